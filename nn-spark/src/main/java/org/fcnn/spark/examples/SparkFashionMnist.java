// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.examples;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.fcnn.api.Network;
import org.fcnn.data.IdxDatasets;
import org.fcnn.spark.SparkTrainer;
import org.fcnn.spark.ml.FcnnClassificationModel;
import org.fcnn.spark.ml.FcnnClassifier;
import org.fcnn.train.Evaluation;
import org.fcnn.train.Trainer;

/**
 * The {@code fcnn-spark} demo: trains a Fashion-MNIST classifier with {@link FcnnClassifier} on Spark and prints
 * the test accuracy and samples/s; optionally the same network with MLlib's {@code MultilayerPerceptronClassifier}
 * (its defaults, l-bfgs, and {@code solver=gd}) and with {@link Trainer} on one JVM, for comparison.
 *
 * <p>Options ({@code --name value}): {@code --data DIR} (IDX files; default the {@code dataset-fashion-mnist}
 * package's directory), {@code --master} (default {@code local[2]}, or the one spark-submit gives), {@code --hidden 128},
 * {@code --epochs 10}, {@code --batch 256}, {@code --lr 0.001}, {@code --optimizer adam}, {@code --mode exact|local-steps|barrier|barrier-local-steps},
 * {@code --local-steps 16}, {@code --partitions 2}, {@code --precision float32}, {@code --backend auto},
 * {@code --mllib true} (also run MLlib with {@code --epochs} iterations), {@code --single true} (also run
 * {@code Trainer} on the driver's JVM), {@code --limit N} (the first N training images).
 */
public final class SparkFashionMnist {
    private SparkFashionMnist() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        Path dir = Path.of(o.getOrDefault("data", IdxDatasets.FASHION_MNIST.toString()));
        int epochs = Integer.parseInt(o.getOrDefault("epochs", "10"));
        int hidden = Integer.parseInt(o.getOrDefault("hidden", "128"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "256"));
        int partitions = Integer.parseInt(o.getOrDefault("partitions", "2"));
        int limit = Integer.parseInt(o.getOrDefault("limit", "0"));
        boolean single = Boolean.parseBoolean(o.getOrDefault("single", "false"));
        int mllibIter = Integer.parseInt(o.getOrDefault("mllib-iter", o.getOrDefault("epochs", "10")));

        SparkSession.Builder b = SparkSession.builder().appName("fcnn-spark Fashion-MNIST");
        if (o.containsKey("master") || !new org.apache.spark.SparkConf().contains("spark.master")) {
            b.master(o.getOrDefault("master", "local[2]"));
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        DriverHeap heap = Boolean.parseBoolean(o.getOrDefault("driver-heap", "false"))
                ? DriverHeap.watch(spark.sparkContext(), 50) : null;
        try {
            long l0 = System.nanoTime();
            IdxFrames idx = IdxFrames.ship(spark, dir);
            boolean mllib = Boolean.parseBoolean(o.getOrDefault("mllib", "false"));
            // fcnn's fit caches its own packed copy; MLlib's fit reads the frame once per iteration: cache it then.
            Dataset<Row> train = idx.train(spark, partitions, limit);
            if (mllib) {
                train = train.cache();
            }
            Dataset<Row> test = idx.test(spark, partitions);
            long trainRows = train.count();
            System.out.printf(Locale.ROOT, "Fashion-MNIST: %,d training and %,d test images, %d partitions, master %s; "
                            + "read on the executors in %.1f s%n",
                    trainRows, test.count(), partitions, spark.sparkContext().master(), (System.nanoTime() - l0) / 1e9);
            MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");

            FcnnClassifier fcnn = new FcnnClassifier().setHiddenLayers(new int[] {hidden}).setEpochs(epochs)
                    .setBatchSize(batch).setLearningRate(Double.parseDouble(o.getOrDefault("lr", "0.001")))
                    .setOptimizer(o.getOrDefault("optimizer", "adam")).setMode(o.getOrDefault("mode", "exact"))
                    .setLocalSteps(Integer.parseInt(o.getOrDefault("local-steps", "16")))
                    .setPrecision(o.getOrDefault("precision", "float32")).setBackend(o.getOrDefault("backend", "auto"))
                    .setSeed(42);
            long t0 = System.nanoTime();
            FcnnClassificationModel model = fcnn.fit(train);
            double fitSeconds = (System.nanoTime() - t0) / 1e9;
            SparkTrainer.Result r = model.trainingResult().orElseThrow();
            double acc = accuracy.evaluate(model.transform(test));
            System.out.printf(Locale.ROOT, "fcnn %s (784-%d-10, %s, batch %d, %d epochs): test accuracy %.2f%%, "
                            + "fit %.1f s (training %.1f s, %,.0f samples/s, %d Spark jobs)%n",
                    fcnn.getMode(), hidden, fcnn.getOptimizer(), batch, epochs, 100 * acc, fitSeconds, r.seconds(),
                    (double) epochs * trainRows / r.seconds(), r.jobs());
            r.backends().forEach(s -> System.out.println("  backend: " + s));
            boolean barrierMode = fcnn.getMode().startsWith("barrier");
            String unit = fcnn.getMode().equals("exact") || fcnn.getMode().equals("barrier") ? "step" : "round";
            for (SparkTrainer.EpochStats e : r.history()) {
                SparkTrainer.StepTimings t = e.timings();
                double k = 1e3 / Math.max(1, t.steps());
                String split = barrierMode
                        ? String.format(Locale.ROOT, "per " + unit + " (ms): job %.2f, slowest compute %.2f, encode %.2f, "
                                + "allGather %.2f, decode+add+step %.2f; broadcasts %.1f ms per epoch", k * t.jobSeconds(),
                        k * t.computeSeconds(), k * t.encodeSeconds(), k * t.exchangeSeconds(), k * t.reduceSeconds(),
                        1e3 * t.broadcastSeconds())
                        : String.format(Locale.ROOT, "per %s (ms): broadcast %.2f, job %.2f, slowest compute %.2f, "
                                + "driver %.2f", unit,
                        k * t.broadcastSeconds(), k * t.jobSeconds(), k * t.computeSeconds(), k * t.reduceSeconds());
                System.out.printf(Locale.ROOT, "  epoch %d: training loss %.4f, %.2f s, %,.0f samples/s; %s%n", e.epoch(),
                        e.loss(), e.seconds(), e.samplesPerSecond(), split);
            }
            if (r.timings() != null && barrierMode) {
                SparkTrainer.StepTimings t = r.timings();
                double k = 1e3 / t.steps();
                System.out.printf(Locale.ROOT, "  per %s (ms): broadcast %.3f (%s), "
                                + "barrier job %.3f, of which slowest partition computing %.3f, encoding %.3f, "
                                + "in allGather %.3f, %s %.3f (task means); %d %ss in %d jobs%n", unit,
                        k * t.broadcastSeconds(), "state, once per stage", k * t.jobSeconds(),
                        k * t.computeSeconds(), k * t.encodeSeconds(), k * t.exchangeSeconds(),
                        unit.equals("step") ? "decode+add+step" : "decode+average", k * t.reduceSeconds(), t.steps(),
                        unit, r.jobs());
            } else if (r.timings() != null) {
                SparkTrainer.StepTimings t = r.timings();
                String last = fcnn.getMode().equals("exact") ? "reduce+step" : "average";
                System.out.printf(Locale.ROOT, "  per %s (ms): broadcast %.3f, job %.3f (slowest task computing %.3f), "
                                + "%s %.3f; %d %ss%n", unit, 1e3 * t.broadcastSeconds() / t.steps(),
                        1e3 * t.jobSeconds() / t.steps(), 1e3 * t.computeSeconds() / t.steps(), last,
                        1e3 * t.reduceSeconds() / t.steps(), t.steps(), unit);
            }
            if (heap != null) {
                System.out.printf(Locale.ROOT, "  driver heap after GC during training: max %.1f MiB over %d samples "
                        + "(every 50th job; before training %.1f MiB)%n", heap.maxMiB(), heap.samples(), heap.firstMiB());
            }
            if (single) {
                IdxDatasets.TrainTest tt = IdxDatasets.loadDirectory(dir, 10);
                org.fcnn.data.Dataset trainSet = limit > 0 ? tt.train().head(limit) : tt.train();
                try (Network net = fcnn.networkSpec(784, 10).withBackend("cpu").build()) {
                    var result = Trainer.builder().epochs(epochs).batchSize(batch).seed(42).build().fit(net, trainSet);
                    System.out.printf(Locale.ROOT, "single-JVM Trainer (cpu, batch %d, %d epochs): test accuracy %.2f%%, "
                                    + "training %.1f s, %,.0f samples/s%n", batch, epochs,
                            100 * Evaluation.of(net, tt.test()).accuracy(), result.seconds(),
                            (double) epochs * trainSet.size() / result.seconds());
                    if (epochs >= 2) {
                        // Epoch 1 includes the JIT's warm-up on both sides; compare the epochs after it.
                        double sparkSeconds = 0;
                        double singleSeconds = 0;
                        for (int e = 1; e < epochs; e++) {
                            sparkSeconds += r.history().get(e).seconds();
                            singleSeconds += result.history().get(e).seconds();
                        }
                        double rows = (double) (epochs - 1) * trainRows;
                        System.out.printf(Locale.ROOT, "epochs 2-%d: fcnn %s on Spark %,.0f samples/s, Trainer %,.0f "
                                        + "samples/s: %.2fx%n", epochs, fcnn.getMode(), rows / sparkSeconds,
                                rows / singleSeconds, singleSeconds / sparkSeconds);
                    }
                }
            }
            if (mllib) {
                for (String solver : new String[] {"l-bfgs", "gd"}) {
                    MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier()
                            .setLayers(new int[] {784, hidden, 10}).setMaxIter(mllibIter).setSeed(42L).setSolver(solver);
                    long m0 = System.nanoTime();
                    MultilayerPerceptronClassificationModel m = mlp.fit(train);
                    double seconds = (System.nanoTime() - m0) / 1e9;
                    System.out.printf(Locale.ROOT, "MLlib MultilayerPerceptronClassifier (784-%d-10, solver %s, maxIter %d, "
                                    + "other params default): test accuracy %.2f%%, fit %.1f s%n", hidden, solver, mllibIter,
                            100 * accuracy.evaluate(m.transform(test)), seconds);
                }
            }
        } finally {
            spark.stop();
        }
        // Spark 3.5's BarrierTaskContext keeps a non-daemon Timer thread ("Barrier task timer for barrier() calls.",
        // a daemon thread in Spark 4.0, SPARK-46895) that nothing stops: after a barrier fit in local mode
        // the JVM would not exit on its own.
        System.exit(0);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("options are --name value pairs; got " + args[i]
                        + " (see the class's Javadoc or docs/SPARK.md)");
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
