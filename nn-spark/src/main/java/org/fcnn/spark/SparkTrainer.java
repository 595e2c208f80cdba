// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;
import org.fcnn.api.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * Trains an fcnn classifier on a Spark {@code DataFrame}, data-parallel: the rows stay in their partitions
 * (validated and cached once, {@link #prepare}), the network's parameters go out to the executors and come back
 * as gradients or states. The driver holds a handful of copies of the parameters (its network's parameters,
 * gradients and optimizer state, one broadcast, the partitions' results of one step), whatever the data size.
 *
 * <p>Call order: {@link #prepare} (one job: validates every row, caches the partitions, counts their rows), then
 * {@link #fit} (one job per step in {@link TrainingMode#EXACT}, per round in {@link TrainingMode#LOCAL_STEPS},
 * one barrier stage per epoch in {@link TrainingMode#BARRIER}), then {@link Prepared#release()}.
 *
 * <p>The exact mode reproduces {@link org.fcnn.train.Trainer} on one JVM: each epoch the same
 * {@code SplittableRandom(seed)} shuffles the global row order (the rows numbered in partition order), each
 * step's batch is the next {@code batchSize} of that order, the schedule sets the rate per epoch, and the one
 * optimizer step per batch runs on the driver. The barrier mode takes the same steps, on every task at once.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    /**
     * The Spark conf key of the barrier mode's waker period in microseconds ({@link BarrierExchange}; default
     * {@value #DEFAULT_WAKE_MICROS}; 0: Spark's own one-second polling of {@code allGather}).
     */
    public static final String WAKE_MICROS = "spark.fcnn.barrier.wakeMicros";
    static final long DEFAULT_WAKE_MICROS = 200;

    private SparkTrainer() {
    }

    /** Rows validated and cached in their partitions, with each partition's row count and offset. */
    public static final class Prepared {
        final JavaRDD<PartitionData> rdd;
        final long[] offsets;
        final long rows;
        final int inputs;
        final int classes;

        Prepared(JavaRDD<PartitionData> rdd, long[] offsets, long rows, int inputs, int classes) {
            this.rdd = rdd;
            this.offsets = offsets;
            this.rows = rows;
            this.inputs = inputs;
            this.classes = classes;
        }

        /** Number of training rows. */
        public long rows() {
            return rows;
        }

        /** Number of partitions. */
        public int partitions() {
            return offsets.length;
        }

        /** Drops the cached rows. */
        public void release() {
            rdd.unpersist(false);
        }
    }

    /**
     * Validates and caches {@code features} (a {@code ml.linalg.Vector} column of size {@code inputs}) and
     * {@code label} (numeric, an integer class in {@code [0, classes)}) of {@code df}, in one job.
     *
     * @throws FcnnInputException naming the column, row, expected and found value of the first bad row
     */
    public static Prepared prepare(Dataset<?> df, String featuresCol, String labelCol, int inputs, int classes) {
        JavaRDD<Row> rows = df.select(col(featuresCol), col(labelCol).cast("double")).toJavaRDD();
        JavaRDD<PartitionData> data = rows.mapPartitionsWithIndex(new RowConverter(featuresCol, labelCol, inputs, classes),
                true).persist(StorageLevel.MEMORY_AND_DISK());
        List<long[]> counts;
        try {
            counts = data.map(p -> new long[] {p.partition, p.rows}).collect();
        } catch (Exception e) { // a failed job's SparkException is checked, but not declared by collect()
            data.unpersist(false);
            throw unwrapInput(e);
        }
        long[] offsets = new long[counts.size()];
        long total = 0;
        List<long[]> sorted = new ArrayList<>(counts);
        sorted.sort(Comparator.comparingLong(c -> c[0]));
        for (long[] c : sorted) {
            offsets[(int) c[0]] = total;
            total += c[1];
        }
        if (total == 0) {
            data.unpersist(false);
            throw new FcnnInputException("the training data has no rows");
        }
        if (total > Integer.MAX_VALUE - 8) {
            data.unpersist(false);
            throw new FcnnInputException("more than " + (Integer.MAX_VALUE - 8) + " training rows: " + total);
        }
        return new Prepared(data, offsets, total, inputs, classes);
    }

    /** The input error inside a failed job, rethrown on the driver with its own message; else {@code e}. */
    static RuntimeException unwrapInput(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FcnnInputException) {
                return new FcnnInputException(t.getMessage());
            }
        }
        {
            String m = String.valueOf(e.getMessage());
            int at = m.indexOf(FcnnInputException.class.getName() + ": ");
            if (at >= 0) {
                String rest = m.substring(at + FcnnInputException.class.getName().length() + 2);
                int nl = rest.indexOf('\n');
                return new FcnnInputException(nl < 0 ? rest : rest.substring(0, nl));
            }
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    /** One epoch's figures; {@code timings} are the epoch's own (see {@link StepTimings}). */
    public record EpochStats(int epoch, double learningRate, double loss, double seconds, double samplesPerSecond,
                             StepTimings timings) {
    }

    /**
     * Where the time went, summed over the run ({@code steps}: the exact and barrier modes' steps, the local-steps
     * mode's rounds): creating the broadcasts (parameters; parameters and optimizer state; in the barrier mode also
     * the epoch's order, once per epoch); the jobs from submission to the driver holding every result; inside them,
     * the slowest task's computation (from its data in memory to its gradient sums or state ready; in the barrier
     * mode the slowest partition's per step, summed); in the barrier mode, averaged over the tasks, encoding the
     * message, waiting inside {@code allGather} ({@code exchangeSeconds}) and decoding, adding and stepping
     * ({@code reduceSeconds}); in the other modes, on the driver, adding the sums and stepping the optimizer (exact)
     * or averaging the states ({@code reduceSeconds}; {@code encodeSeconds} and {@code exchangeSeconds} are 0).
     */
    public record StepTimings(long steps, double broadcastSeconds, double jobSeconds, double computeSeconds,
                              double encodeSeconds, double exchangeSeconds, double reduceSeconds) {
        static final StepTimings NONE = new StepTimings(0, 0, 0, 0, 0, 0, 0);

        /** These figures less {@code earlier}'s (e.g. a run's totals so far less those at the last epoch's end). */
        StepTimings minus(StepTimings earlier) {
            return new StepTimings(steps - earlier.steps, broadcastSeconds - earlier.broadcastSeconds,
                    jobSeconds - earlier.jobSeconds, computeSeconds - earlier.computeSeconds,
                    encodeSeconds - earlier.encodeSeconds, exchangeSeconds - earlier.exchangeSeconds,
                    reduceSeconds - earlier.reduceSeconds);
        }
    }

    /** The trained network (the caller closes it) and how the run went. */
    public record Result(Network network, List<EpochStats> history, List<String> backends, long jobs,
                         StepTimings timings, double seconds) {
    }

    /**
     * Trains a network of {@code spec} on {@code data}.
     *
     * @throws IllegalArgumentException if the spec's inputs or classes differ from the data's
     */
    public static Result fit(JavaSparkContext sc, Prepared data, NetworkSpec spec, TrainingConfig config) {
        if (spec.inputs() != data.inputs || spec.classes() != data.classes) {
            throw new IllegalArgumentException("the network takes " + spec.inputs() + " inputs and " + spec.classes()
                    + " classes, the data have " + data.inputs + " and " + data.classes);
        }
        String failTask = sc.getConf().get(TestHooks.FAIL_TASK, "");
        Network net = spec.build();
        try {
            Run run = new Run(sc, data, spec, config, net, failTask);
            return switch (config.mode()) {
                case EXACT -> run.exact();
                case LOCAL_STEPS -> run.localSteps();
                case BARRIER -> run.barrier();
            };
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static final class Run {
        final JavaSparkContext sc;
        final Prepared data;
        final NetworkSpec spec;
        final TrainingConfig config;
        final Network net;
        final String failTask;
        final TreeSet<String> backends = new TreeSet<>();
        final List<EpochStats> history = new ArrayList<>();
        long jobs;
        StepTimings timingsAtLastEpoch = StepTimings.NONE;

        Run(JavaSparkContext sc, Prepared data, NetworkSpec spec, TrainingConfig config, Network net, String failTask) {
            this.sc = sc;
            this.data = data;
            this.spec = spec;
            this.config = config;
            this.net = net;
            this.failTask = failTask;
        }

        void noteBackends(List<ShareResult> results) {
            for (ShareResult r : results) {
                if (r.backend != null && backends.add(r.backend)) {
                    LOG.info("fcnn on Spark: {}", r.backend);
                }
            }
        }

        static List<ShareResult> inPartitionOrder(List<ShareResult> results) {
            List<ShareResult> sorted = new ArrayList<>(results);
            sorted.sort(Comparator.comparingInt(r -> r.partition));
            return sorted;
        }

        Result exact() {
            long start = System.nanoTime();
            int n = (int) data.rows;
            int batch = Math.min(config.batchSize(), n);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(config.seed());
            double baseRate = net.optimizer().learningRate();
            Broadcast<long[]> offsets = sc.broadcast(data.offsets);
            long step = 0;
            long bcNanos = 0;
            long jobNanos = 0;
            long computeNanos = 0;
            long reduceNanos = 0;
            Gradients total = Gradients.zeros(net);
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                double rate = rate(epoch, baseRate);
                net.setOptimizer(net.optimizer().withLearningRate(rate));
                org.fcnn.data.Dataset.shuffle(order, random);
                Broadcast<int[]> orderBc = sc.broadcast(order.clone());
                double lossSum = 0;
                for (int from = 0; from < n; from += batch) {
                    int rows = Math.min(batch, n - from);
                    long t0 = System.nanoTime();
                    Broadcast<double[]> params = sc.broadcast(net.parameters());
                    long t1 = System.nanoTime();
                    List<ShareResult> results = data.rdd.mapPartitions(
                            new ShareGradients(spec, params, orderBc, offsets, from, rows, step, failTask)).collect();
                    jobs++;
                    long t2 = System.nanoTime();
                    total.clear();
                    long slowest = 0;
                    for (ShareResult r : inPartitionOrder(results)) {
                        slowest = Math.max(slowest, r.computeNanos);
                        if (r.values != null) {
                            total.add(Gradients.of(r.values, r.lossSum, r.samples));
                        }
                    }
                    if (total.samples() != rows) {
                        throw new IllegalStateException("step " + step + ": the partitions' shares hold "
                                + total.samples() + " samples, the batch " + rows);
                    }
                    net.step(total);
                    lossSum += total.lossSum();
                    long t3 = System.nanoTime();
                    params.destroy();
                    bcNanos += t1 - t0;
                    jobNanos += t2 - t1;
                    computeNanos += slowest;
                    reduceNanos += t3 - t2;
                    noteBackends(results);
                    step++;
                }
                orderBc.destroy();
                endEpoch(epoch, rate, lossSum, n, epochStart, new StepTimings(step, bcNanos / 1e9, jobNanos / 1e9,
                        computeNanos / 1e9, 0, 0, reduceNanos / 1e9));
            }
            offsets.destroy();
            net.setOptimizer(net.optimizer().withLearningRate(baseRate));
            StepTimings timings = new StepTimings(step, bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9, 0, 0,
                    reduceNanos / 1e9);
            return new Result(net, List.copyOf(history), List.copyOf(backends), jobs, timings,
                    (System.nanoTime() - start) / 1e9);
        }

        /**
         * The barrier mode: per epoch, the order and the training state are broadcast and one barrier stage takes
         * all the epoch's steps ({@link BarrierEpoch}); the tasks' final states must be equal, and become the driver
         * network's.
         */
        Result barrier() {
            long start = System.nanoTime();
            int partitions = data.partitions();
            BarrierChecks.check(sc.sc(), partitions);
            long wakeNanos = sc.getConf().getLong(WAKE_MICROS, DEFAULT_WAKE_MICROS) * 1000L;
            int n = (int) data.rows;
            int batch = Math.min(config.batchSize(), n);
            int stepsPerEpoch = (n + batch - 1) / batch;
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(config.seed());
            double baseRate = net.optimizer().learningRate();
            Broadcast<long[]> offsets = sc.broadcast(data.offsets);
            scala.reflect.ClassTag<PartitionData> dataTag = scala.reflect.ClassTag$.MODULE$.apply(PartitionData.class);
            scala.reflect.ClassTag<BarrierResult> resultTag = scala.reflect.ClassTag$.MODULE$.apply(BarrierResult.class);
            long step = 0;
            long bcNanos = 0;
            long jobNanos = 0;
            long computeNanos = 0;
            long encodeNanos = 0;
            long exchangeNanos = 0;
            long reduceNanos = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                double rate = rate(epoch, baseRate);
                net.setOptimizer(net.optimizer().withLearningRate(rate));
                org.fcnn.data.Dataset.shuffle(order, random);
                long t0 = System.nanoTime();
                Broadcast<int[]> orderBc = sc.broadcast(order.clone());
                Broadcast<StateArrays> state = sc.broadcast(new StateArrays(net.trainingState()));
                long t1 = System.nanoTime();
                BarrierEpoch task = new BarrierEpoch(spec, state, orderBc, offsets, rate, batch, step, wakeNanos,
                        failTask);
                List<BarrierResult> results;
                try {
                    // Through a shuffle (to one partition): Spark reruns a failed barrier stage only if it is a
                    // shuffle map stage; a failed barrier result stage aborts the job.
                    results = org.apache.spark.api.java.JavaRDD.fromRDD(
                            new org.apache.spark.rdd.RDDBarrier<>(data.rdd.rdd(), dataTag).mapPartitions(task, false,
                                    resultTag), resultTag).repartition(1).collect();
                } catch (RuntimeException e) {
                    throw barrierFailure(e);
                }
                jobs++;
                long t2 = System.nanoTime();
                List<BarrierResult> sorted = new ArrayList<>(results);
                sorted.sort(Comparator.comparingInt(r -> r.partition));
                if (sorted.size() != partitions) {
                    throw new IllegalStateException("epoch " + epoch + ": " + sorted.size() + " barrier tasks returned, "
                            + "for " + partitions + " partitions");
                }
                BarrierResult first = sorted.get(0);
                if (first.partition != 0 || first.state == null || first.state.digest() != first.stateDigest) {
                    throw new IllegalStateException("epoch " + epoch + ": partition 0's barrier task returned no state "
                            + "or one that does not match its digest");
                }
                for (BarrierResult r : sorted) {
                    if (r.stateDigest != first.stateDigest || Double.doubleToLongBits(r.lossSum)
                            != Double.doubleToLongBits(first.lossSum)) {
                        throw new IllegalStateException("epoch " + epoch + ": the barrier tasks of partitions "
                                + first.partition + " and " + r.partition + " ended in different states (state digests "
                                + Long.toHexString(first.stateDigest) + " and " + Long.toHexString(r.stateDigest)
                                + ", loss sums " + first.lossSum + " and " + r.lossSum + "): the backend's steps are "
                                + "not deterministic");
                    }
                }
                if (first.samples != n) {
                    throw new IllegalStateException("epoch " + epoch + ": the steps took " + first.samples
                            + " samples, the data have " + n);
                }
                net.setTrainingState(first.state.toState());
                long t3 = System.nanoTime();
                orderBc.destroy();
                state.destroy();
                bcNanos += t1 - t0;
                jobNanos += t2 - t1;
                computeNanos += first.slowestComputeNanos;
                for (BarrierResult r : sorted) {
                    LOG.info("barrier epoch {}, partition {}: per step (ms) compute {}, encode {}, in allGather {}, "
                                    + "decode+add+step {}; task {} ms, job {} ms", epoch, r.partition,
                            ms(r.computeNanos, stepsPerEpoch), ms(r.encodeNanos, stepsPerEpoch),
                            ms(r.exchangeNanos, stepsPerEpoch), ms(r.applyNanos, stepsPerEpoch), ms(r.taskNanos, 1),
                            ms(t2 - t1, 1));
                    encodeNanos += r.encodeNanos / partitions;
                    exchangeNanos += r.exchangeNanos / partitions;
                    reduceNanos += r.applyNanos / partitions;
                    if (r.backend != null && backends.add(r.backend)) {
                        LOG.info("fcnn on Spark: {}", r.backend);
                    }
                }
                step += stepsPerEpoch;
                endEpoch(epoch, rate, first.lossSum, n, epochStart, new StepTimings(step, bcNanos / 1e9,
                        jobNanos / 1e9, computeNanos / 1e9, encodeNanos / 1e9, exchangeNanos / 1e9, reduceNanos / 1e9));
            }
            offsets.destroy();
            net.setOptimizer(net.optimizer().withLearningRate(baseRate));
            StepTimings timings = new StepTimings(step, bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9,
                    encodeNanos / 1e9, exchangeNanos / 1e9, reduceNanos / 1e9);
            return new Result(net, List.copyOf(history), List.copyOf(backends), jobs, timings,
                    (System.nanoTime() - start) / 1e9);
        }

        private static String ms(long nanos, int per) {
            return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6 / per);
        }

        /** Spark's refusal of the barrier stage's lineage, said plainly; any other failure as {@link #unwrapInput}. */
        private static RuntimeException barrierFailure(RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getClass().getSimpleName().equals("BarrierJobUnsupportedRDDChainException")
                        || String.valueOf(t.getMessage()).contains("BarrierJobUnsupportedRDDChainException")) {
                    return new IllegalArgumentException("mode barrier: Spark cannot run the training rows' lineage in "
                            + "one barrier stage (an RDD in it has another number of partitions, e.g. after union or "
                            + "coalesce): repartition the training DataFrame, or use mode exact. Spark: "
                            + t.getMessage(), e);
                }
            }
            return unwrapInput(e);
        }

        Result localSteps() {
            long start = System.nanoTime();
            long n = data.rows;
            int batch = (int) Math.min(config.batchSize(), n);
            int stepsPerEpoch = (int) ((n + batch - 1) / batch);
            double baseRate = net.optimizer().learningRate();
            long round = 0;
            long bcNanos = 0;
            long jobNanos = 0;
            long computeNanos = 0;
            long reduceNanos = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                double rate = rate(epoch, baseRate);
                net.setOptimizer(net.optimizer().withLearningRate(rate));
                double lossSum = 0;
                long samples = 0;
                for (int first = 0; first < stepsPerEpoch; first += config.localSteps()) {
                    int steps = Math.min(config.localSteps(), stepsPerEpoch - first);
                    long t0 = System.nanoTime();
                    TrainingState state = net.trainingState();
                    Broadcast<StateArrays> bc = sc.broadcast(new StateArrays(state));
                    long t1 = System.nanoTime();
                    List<ShareResult> results = data.rdd.mapPartitions(new LocalRound(spec, bc, rate, epoch, first,
                            steps, batch, n, config.seed(), round, failTask)).collect();
                    jobs++;
                    long t2 = System.nanoTime();
                    long slowest = 0;
                    double[] params = new double[state.parameters().length];
                    double[][] slots = new double[state.optimizerState().length][params.length];
                    for (ShareResult r : inPartitionOrder(results)) {
                        if (r.values == null) {
                            continue;
                        }
                        slowest = Math.max(slowest, r.computeNanos);
                        int p = r.partition;
                        double w = (double) (p + 1 < data.offsets.length ? data.offsets[p + 1] - data.offsets[p]
                                : n - data.offsets[p]) / n;
                        addScaled(params, r.values, w);
                        for (int s = 0; s < slots.length; s++) {
                            addScaled(slots[s], r.optimizerState[s], w);
                        }
                        lossSum += r.lossSum;
                        samples += r.samples;
                    }
                    net.setTrainingState(new TrainingState(state.kind(), params, slots, state.steps() + steps));
                    long t3 = System.nanoTime();
                    bc.destroy();
                    bcNanos += t1 - t0;
                    jobNanos += t2 - t1;
                    computeNanos += slowest;
                    reduceNanos += t3 - t2;
                    noteBackends(results);
                    round++;
                }
                endEpoch(epoch, rate, lossSum, samples, epochStart, new StepTimings(round, bcNanos / 1e9,
                        jobNanos / 1e9, computeNanos / 1e9, 0, 0, reduceNanos / 1e9));
            }
            net.setOptimizer(net.optimizer().withLearningRate(baseRate));
            StepTimings timings = new StepTimings(round, bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9, 0, 0,
                    reduceNanos / 1e9);
            return new Result(net, List.copyOf(history), List.copyOf(backends), jobs, timings,
                    (System.nanoTime() - start) / 1e9);
        }

        private static void addScaled(double[] into, double[] values, double w) {
            for (int i = 0; i < into.length; i++) {
                into[i] += w * values[i];
            }
        }

        private double rate(int epoch, double baseRate) {
            double rate = config.schedule().learningRate(epoch, config.epochs(), baseRate);
            if (!(rate > 0 && Double.isFinite(rate))) {
                throw new IllegalStateException("schedule " + config.schedule() + " gave learning rate " + rate
                        + " for epoch " + epoch);
            }
            return rate;
        }

        private void endEpoch(int epoch, double rate, double lossSum, long samples, long epochStart,
                              StepTimings sofar) {
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            EpochStats s = new EpochStats(epoch, rate, lossSum / samples, seconds, data.rows / seconds,
                    sofar.minus(timingsAtLastEpoch));
            timingsAtLastEpoch = sofar;
            history.add(s);
            LOG.info("epoch {}/{} ({}): lr {}, loss {}, {} s, {} samples/s", epoch, config.epochs(), config.mode().id(),
                    String.format("%.2e", rate), String.format("%.4f", s.loss()), String.format("%.2f", seconds),
                    String.format("%.0f", s.samplesPerSecond()));
        }
    }
}
