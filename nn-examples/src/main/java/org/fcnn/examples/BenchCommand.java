// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.data.Dataset;
import org.fcnn.data.IdxDatasets;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;
import org.fcnn.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: times a backend through the public API: (a) the tutorial's 2-2-2 training loop in ns per
 * step, (b) Fashion-MNIST training epochs ({@code 784-H-10}, sigmoid hidden layer, softmax and
 * cross-entropy, SGD lr 0.1, float32) in samples per second, and (c) square matrix products in GFLOP/s.
 * Each figure is a median over repetitions; the numbers are meant to be read next to the peer scripts'
 * (PyTorch, OpenBLAS, C++) measured in the same session, see {@code docs/BENCHMARKS.md}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time the tutorial loop (ns/step), Fashion-MNIST training (samples/s) and square matrix "
                + "products (GFLOP/s) on one backend. With none of --tutorial, --fmnist, --gemm: --tutorial --gemm 1024.")
final class BenchCommand implements Callable<Integer> {
    private static final String CPU_THREADS = "fcnn.cpu.threads";
    private static final int CLASSES = 10;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Backend: cpu, opencl, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads of the cpu backend (sets -D" + CPU_THREADS + "; default: the number of cores).")
    Integer threads;

    @Option(names = "--tutorial", description = "Time the tutorial's 2-2-2 loop through Network.trainStep.")
    boolean tutorial;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "100000",
            description = "Steps per repetition of the tutorial loop (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "9",
            description = "Timed repetitions (tutorial loop, products) after the warm-up, which runs until the "
                    + "figure settles (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--fmnist", description = "Time Fashion-MNIST training epochs.")
    boolean fmnist;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory of the Fashion-MNIST IDX .gz files (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--hidden", paramLabel = "H", split = ",", defaultValue = "128",
            description = "Hidden layer sizes to time, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--batch", paramLabel = "B", split = ",", defaultValue = "64",
            description = "Batch sizes to time, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] batch;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "3",
            description = "Epochs per configuration; the first is warm-up, the median of the rest is printed "
                    + "(default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--gemm", paramLabel = "N", split = ",",
            description = "Square product sizes to time, comma-separated, e.g. 1024.")
    int[] gemm;

    @Option(names = "--precision", paramLabel = "P", split = ",", defaultValue = "float32,float64",
            description = "Precisions for --gemm and --tutorial (default: ${DEFAULT-VALUE}).")
    String[] precisions;

    @Option(names = "--paired",
            description = "Time one workload (one --gemm size and --precision, or --fmnist with one --hidden and "
                    + "--batch) in windows read from standard input, for a driver that alternates them with a "
                    + "peer's (nn-bench/paired.py): prints READY after the warm-up, then for each line (a window "
                    + "in ms) one WINDOW line with the rate.")
    boolean paired;

    /** Warm-up: 5 rounds within 3% of their median, after at least 2 s, at most 30 s. */
    private static final SteadyState WARM_UP = new SteadyState(5, 0.03, 2_000_000_000L, 30_000_000_000L);

    /** Where the figures come from, appended to every RESULT line (see {@link MachineInfo}). */
    private String machine = "";

    @Override
    public Integer call() throws IOException {
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1");
            }
            System.setProperty(CPU_THREADS, Integer.toString(threads));
        }
        if (!tutorial && !fmnist && gemm == null) {
            tutorial = true;
            gemm = new int[] {1024};
        }
        if (paired) {
            checkPaired();
        }
        PrintStream out = System.out;
        try (Backend b = "auto".equals(backend) ? Backends.open() : Backends.open(backend)) {
            out.printf("# backend %s (%s); java %s; %s%n", b.name(), b.device(), Runtime.version(),
                    ManagementFactory.getRuntimeMXBean().getInputArguments());
            machine = "backend=" + b.name() + " " + MachineInfo.describe(b.device());
        }
        if (tutorial) {
            for (String p : precisions) {
                tutorial(out, Precision.parse(p));
            }
        }
        if (fmnist) {
            IdxDatasets.TrainTest set = IdxDatasets.loadDirectory(data, CLASSES);
            Dataset train = set.train();
            Dataset test = set.test();
            for (int h : hidden) {
                for (int bs : batch) {
                    if (paired) {
                        fmnistWindows(out, train, h, bs);
                        return 0;
                    }
                    fmnist(out, train, test, h, bs);
                }
            }
        }
        if (gemm != null) {
            for (int n : gemm) {
                for (String p : precisions) {
                    gemm(out, n, Precision.parse(p));
                }
            }
        }
        return 0;
    }

    private void tutorial(PrintStream out, Precision precision) {
        try (Network net = ArticleCommand.tutorialNetwork(backend, precision)) {
            double[] x = ArticleCommand.X;
            double[] t = ArticleCommand.T;
            double[] ns = new double[reps];
            double[] e = new double[1];
            DoubleSupplier round = () -> { // one round of steps, in ns per step
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    e[0] = net.trainStep(x, t);
                }
                return (double) (System.nanoTime() - t0) / steps;
            };
            SteadyState.Result warm = WARM_UP.warmUp(round);
            long a0 = Allocation.bytes();
            for (int r = 0; r < reps; r++) {
                ns[r] = round.getAsDouble();
            }
            long bytes = Allocation.bytes() - a0;
            out.printf(Locale.ROOT, "RESULT tutorial %s: %.1f ns/step median of %d x %d steps (min %.1f, max %.1f);"
                            + " %.2f bytes/step allocated; E = %.6e; %s; %s%n", precision.name().toLowerCase(Locale.ROOT),
                    median(ns), reps, steps, min(ns), max(ns), (double) bytes / ((long) reps * steps), e[0],
                    warm.describe(), machine);
        }
    }

    /** {@code --paired} times exactly one workload, which it must be told. */
    private void checkPaired() {
        int workloads = (tutorial ? 1 : 0) + (fmnist ? 1 : 0) + (gemm != null ? 1 : 0);
        if (workloads != 1 || tutorial) {
            throw new IllegalArgumentException("--paired times one workload: give --gemm N or --fmnist, not "
                    + (tutorial ? "--tutorial" : "both"));
        }
        if (gemm != null && (gemm.length != 1 || precisions.length != 1)) {
            throw new IllegalArgumentException("--paired --gemm needs one size and one --precision, found "
                    + gemm.length + " sizes and " + precisions.length + " precisions");
        }
        if (fmnist && (hidden.length != 1 || batch.length != 1)) {
            throw new IllegalArgumentException("--paired --fmnist needs one --hidden and one --batch, found "
                    + hidden.length + " and " + batch.length);
        }
    }

    /** The benchmark's network: 784-H-10, sigmoid, softmax and cross-entropy, SGD 0.1, float32, seed 0. */
    private Network fmnistNetwork(Dataset train, int h) {
        return Network.builder()
                .input(train.inputs())
                .dense(h, Activation.SIGMOID)
                .dense(CLASSES, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .optimizer(Optimizer.sgd(0.1))
                .precision(Precision.FLOAT32)
                .seed(0)
                .backend(backend)
                .build();
    }

    /** {@code --paired --fmnist}: 200 ms rounds until the rate settles ({@link #WARM_UP}), then windows of training on full batches (samples/s). */
    private void fmnistWindows(PrintStream out, Dataset train, int h, int bs) throws IOException {
        try (Network net = fmnistNetwork(train, h)) {
            int n = train.size();
            if (bs > n) {
                throw new IllegalArgumentException("--batch " + bs + " exceeds the " + n + " training samples");
            }
            int[] order = new int[n];
            Arrays.setAll(order, i -> i);
            SplittableRandom random = new SplittableRandom(0);
            int[] next = {n}; // position in the current epoch's order; n: shuffle first
            try (Matrix x = net.backend().allocate(bs, train.inputs(), Precision.FLOAT32);
                 Matrix t = net.backend().allocate(bs, CLASSES, Precision.FLOAT32)) {
                PairedWindows.Workload batches = PairedWindows.repeating(bs, () -> {
                    if (next[0] + bs > n) { // a new epoch; the tail that is not a full batch is left out
                        Dataset.shuffle(order, random);
                        next[0] = 0;
                    }
                    trainRows(net, train, order, next[0], x, t);
                    next[0] += bs;
                });
                WARM_UP.warmUp(() -> batches.runFor(200_000_000L));
                PairedWindows.serve(out, "samples/s", batches);
            }
        }
    }

    /**
     * One step on the rows {@code order[start, start + x.rows())} of {@code train}, loaded into {@code x} and
     * {@code t} as {@code Trainer} loads a batch ({@link Dataset#load}); returns the batch's mean loss.
     */
    private static double trainRows(Network net, Dataset train, int[] order, int start, Matrix x, Matrix t) {
        train.load(net.backend(), order, start, x, t);
        net.forward(x);
        double loss = net.loss(t);
        net.backward(t);
        net.step();
        return loss;
    }

    private void fmnist(PrintStream out, Dataset train, Dataset test, int h, int bs) {
        try (Network net = fmnistNetwork(train, h)) {
            int n = train.size();
            int[] order = new int[n];
            Arrays.setAll(order, i -> i);
            SplittableRandom random = new SplittableRandom(0);
            int tail = n % bs; // the last, smaller batch of an epoch, as PyTorch's loop has it
            Backend b = net.backend();
            try (Matrix x = b.allocate(bs, train.inputs(), Precision.FLOAT32);
                 Matrix t = b.allocate(bs, CLASSES, Precision.FLOAT32);
                 Matrix tailX = b.allocate(Math.max(1, tail), train.inputs(), Precision.FLOAT32);
                 Matrix tailT = b.allocate(Math.max(1, tail), CLASSES, Precision.FLOAT32)) {
                double[] rates = new double[Math.max(1, epochs - 1)];
                double lossSum = 0;
                long bytes = 0;
                long batches = 0;
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    Dataset.shuffle(order, random);
                    lossSum = 0;
                    long a0 = Allocation.bytes();
                    long t0 = System.nanoTime();
                    batches = 0;
                    for (int start = 0; start < n; start += bs) {
                        int size = Math.min(bs, n - start);
                        lossSum += trainRows(net, train, order, start, size == bs ? x : tailX, size == bs ? t : tailT) * size;
                        batches++;
                    }
                    long t1 = System.nanoTime();
                    bytes = Allocation.bytes() - a0;
                    double rate = n / ((t1 - t0) / 1e9);
                    if (epoch > 1 || epochs == 1) {
                        rates[Math.max(0, epoch - 2)] = rate;
                    }
                    out.printf(Locale.ROOT, "epoch %d: %.2f s, %.0f samples/s, train loss %.4f, %.1f bytes/batch%n",
                            epoch, (t1 - t0) / 1e9, rate, lossSum / n, (double) bytes / batches);
                }
                double accuracy = Evaluation.of(net, test).accuracy();
                out.printf(Locale.ROOT, "RESULT fmnist 784-%d-10 batch %d float32 sgd 0.1: %.0f samples/s median of "
                                + "epochs 2..%d; test accuracy %.4f; %.1f bytes/batch allocated in the last epoch;"
                                + " peak heap %.0f MiB; %s%n", h, bs, median(rates), epochs, accuracy,
                        (double) bytes / batches, Allocation.peakHeapBytes() / 1048576.0, machine);
            }
        }
    }

    private void gemm(PrintStream out, int n, Precision precision) throws IOException {
        try (Backend b = "auto".equals(backend) ? Backends.open() : Backends.open(backend);
             Matrix a = b.allocate(n, n, precision);
             Matrix m = b.allocate(n, n, precision);
             Matrix c = b.allocate(n, n, precision)) {
            Random random = new Random(0);
            double[] values = new double[n * n];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian();
            }
            b.write(a, values, 0);
            b.write(m, values, 0);
            double flop = 2.0 * n * n * n;
            Runnable oneProduct = () -> {
                b.gemm(false, false, 1, a, m, 0, c);
                b.read(c, values, 0); // waits for device backends; a copy of n^2, small next to n^3
            };
            DoubleSupplier product = () -> { // one product, in GFLOP/s
                long s = System.nanoTime();
                oneProduct.run();
                return flop / (System.nanoTime() - s);
            };
            SteadyState.Result warm = WARM_UP.warmUp(product);
            if (paired) {
                PairedWindows.serve(out, "GFLOP/s", PairedWindows.repeating(flop / 1e9, oneProduct));
                return;
            }
            // at least reps repetitions and about 1.5 s, like the peer script gemm.py
            double once = flop / warm.lastMedian() / 1e9;
            int count = (int) Math.max(reps, Math.min(50, 1.5 / Math.max(once, 1e-6)));
            double[] gflops = new double[count];
            for (int r = 0; r < count; r++) {
                gflops[r] = product.getAsDouble();
            }
            out.printf(Locale.ROOT, "RESULT gemm n=%d %s: %.1f GFLOP/s median (best %.1f, worst %.1f) reps=%d; %s; %s%n",
                    n, precision.name().toLowerCase(Locale.ROOT), median(gflops), max(gflops), min(gflops), count,
                    warm.describe(), machine);
        }
    }

    private static double median(double[] x) {
        return SteadyState.median(x);
    }

    private static double min(double[] x) {
        return Arrays.stream(x).min().orElse(Double.NaN);
    }

    private static double max(double[] x) {
        return Arrays.stream(x).max().orElse(Double.NaN);
    }

    /** Heap allocation by the current thread and the peak heap, from HotSpot's management beans. */
    private static final class Allocation {
        private Allocation() {
        }

        /** Bytes allocated by this thread so far, or 0 where the JVM cannot tell. */
        static long bytes() {
            java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
            if (bean instanceof com.sun.management.ThreadMXBean) {
                return ((com.sun.management.ThreadMXBean) bean).getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            return 0;
        }

        /** The sum of the heap pools' peak usage since the JVM started. */
        static long peakHeapBytes() {
            long sum = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    sum += pool.getPeakUsage().getUsed();
                }
            }
            return sum;
        }
    }
}
