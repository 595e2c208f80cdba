// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
 * one barrier stage per {@link #EPOCHS_PER_STAGE} epochs, all by default, in {@link TrainingMode#BARRIER} and
 * {@link TrainingMode#BARRIER_LOCAL_STEPS}), then
 * {@link Prepared#release()}.
 *
 * <p>The exact mode reproduces {@link org.fcnn.train.Trainer} on one JVM: each epoch the same
 * {@code SplittableRandom(seed)} shuffles the global row order (the rows numbered in partition order), each
 * step's batch is the next {@code batchSize} of that order ({@link EpochOrder}), the schedule sets the rate per
 * epoch, and the one optimizer step per batch runs on the driver. The barrier mode takes the same steps, on every
 * task at once.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

    /**
     * The Spark conf key of the barrier mode's waker period in microseconds ({@link BarrierExchange}; default
     * {@value #DEFAULT_WAKE_MICROS}; 0: Spark's own one-second polling of {@code allGather}).
     */
    public static final String WAKE_MICROS = "spark.fcnn.barrier.wakeMicros";
    static final long DEFAULT_WAKE_MICROS = 200;

    /**
     * The Spark conf key of the barrier modes' epochs per barrier stage (default 0: all of a fit's epochs in one
     * stage). Each stage costs some tens of milliseconds of Spark's (launching it, its tasks and the
     * one that brings the state to the driver), which all epochs in one stage pay once; a failed task reruns its
     * stage from the stage's first epoch, which fewer epochs per stage make cheaper.
     */
    public static final String EPOCHS_PER_STAGE = "spark.fcnn.barrier.epochsPerStage";

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
     * modes' rounds): creating the broadcasts (parameters; parameters and optimizer state; in the barrier modes the
     * training state, once per stage); the jobs from submission to the driver holding every result; inside them,
     * the slowest task's computation (from its data in memory to its gradient sums or state ready; in the barrier
     * mode the slowest partition's per step, summed); in the barrier mode, averaged over the tasks, encoding the
     * message, waiting inside {@code allGather} ({@code exchangeSeconds}) and decoding, adding and stepping
     * ({@code reduceSeconds}; in the barrier local-steps mode the same per round, averaging the states for adding and
     * stepping); in the other modes, on the driver, adding the sums and stepping the optimizer (exact)
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
                case BARRIER_LOCAL_STEPS -> run.barrierLocalSteps();
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
            EpochOrder orders = new EpochOrder(config.seed(), n);
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
                Broadcast<int[]> orderBc = sc.broadcast(orders.next().clone());
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
                endEpoch(epoch, rate, lossSum, n, System.nanoTime() - epochStart, new StepTimings(step, bcNanos / 1e9,
                        jobNanos / 1e9, computeNanos / 1e9, 0, 0, reduceNanos / 1e9));
            }
            offsets.destroy();
            net.setOptimizer(net.optimizer().withLearningRate(baseRate));
            StepTimings timings = new StepTimings(step, bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9, 0, 0,
                    reduceNanos / 1e9);
            return new Result(net, List.copyOf(history), List.copyOf(backends), jobs, timings,
                    (System.nanoTime() - start) / 1e9);
        }

        /**
         * The barrier mode: the exact mode's steps in barrier stages of {@link #EPOCHS_PER_STAGE} epochs
         * ({@link BarrierExactStage}: the tasks exchange their shares' gradient sums and all take each step); per
         * stage only the training state is broadcast, the tasks replay the epochs' orders from the seed. The same
         * states as {@link #exact()}, bit for bit.
         */
        Result barrier() {
            int n = (int) data.rows;
            int batch = Math.min(config.batchSize(), n);
            int stepsPerEpoch = (n + batch - 1) / batch;
            long wakeNanos = wakeNanos();
            return barrierStages(stepsPerEpoch, "step", n, (state, offsets, firstEpoch, rates, firstStep) ->
                    new BarrierExactStage(spec, state, offsets, rates, firstEpoch, batch, n, config.seed(), firstStep,
                            wakeNanos, failTask));
        }

        /**
         * The barrier local-steps mode: the local-steps mode's rounds in barrier stages of {@link #EPOCHS_PER_STAGE}
         * epochs ({@link BarrierLocalStage}: the tasks average their states among themselves after each round); per
         * stage only the training state is broadcast. The same states as {@link #localSteps()}, bit for bit.
         */
        Result barrierLocalSteps() {
            long n = data.rows;
            int batch = (int) Math.min(config.batchSize(), n);
            int stepsPerEpoch = (int) ((n + batch - 1) / batch);
            int roundsPerEpoch = (stepsPerEpoch + config.localSteps() - 1) / config.localSteps();
            long samplesPerEpoch = 0;
            for (int p = 0; p < data.partitions(); p++) {
                int rows = (int) LocalRound.rowsOf(data.offsets, p, n);
                samplesPerEpoch += rows == 0 ? 0 : (long) stepsPerEpoch * LocalRound.localBatch(batch, rows, n);
            }
            long wakeNanos = wakeNanos();
            return barrierStages(roundsPerEpoch, "round", samplesPerEpoch, (state, offsets, firstEpoch, rates,
                                                                           firstRound) ->
                    new BarrierLocalStage(spec, state, offsets, rates, firstEpoch, stepsPerEpoch,
                            config.localSteps(), batch, n, config.seed(), firstRound, wakeNanos, failTask));
        }

        /** The {@link BarrierExchange} waker's period, from {@link #WAKE_MICROS}. */
        private long wakeNanos() {
            long micros = sc.getConf().getLong(WAKE_MICROS, DEFAULT_WAKE_MICROS);
            if (micros < 0) {
                throw new IllegalArgumentException(WAKE_MICROS + " must be >= 0 (0: Spark's own polling), got "
                        + micros);
            }
            return micros * 1000L;
        }

        /** Makes a barrier mode's task for one stage. */
        private interface StageTask {
            /**
             * @param rates     the learning rate of each of the stage's epochs
             * @param firstUnit the global number of the stage's first step or round
             */
            scala.runtime.AbstractFunction1<scala.collection.Iterator<PartitionData>,
                    scala.collection.Iterator<BarrierResult>> make(Broadcast<StateArrays> state,
                                                                    Broadcast<long[]> offsets, int firstEpoch,
                                                                    double[] rates, long firstUnit);
        }

        /**
         * Both barrier modes: checks the task slots, then runs the fit's epochs in stages of
         * {@link #EPOCHS_PER_STAGE}, broadcasting the training state before each ({@link #barrierStage}). A stage's
         * epochs are reported when it ends, the stage's time split between them in proportion to their time in the
         * tasks.
         *
         * @param unitsPerEpoch   the steps or rounds of an epoch (each one {@code allGather})
         * @param samplesPerEpoch the samples an epoch's steps take, over all partitions
         */
        private Result barrierStages(int unitsPerEpoch, String unit, long samplesPerEpoch, StageTask task) {
            long start = System.nanoTime();
            BarrierChecks.check(sc.sc(), data.partitions());
            int perStage = sc.getConf().getInt(EPOCHS_PER_STAGE, 0);
            if (perStage < 0) {
                throw new IllegalArgumentException(EPOCHS_PER_STAGE + " must be >= 0 (0: all epochs in one stage), got "
                        + perStage);
            }
            if (perStage == 0) {
                perStage = config.epochs();
            }
            double baseRate = net.optimizer().learningRate();
            Broadcast<long[]> offsets = sc.broadcast(data.offsets);
            BarrierTotals totals = new BarrierTotals();
            long units = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch += perStage) {
                int epochs = Math.min(perStage, config.epochs() - epoch + 1);
                double[] rates = new double[epochs];
                long[] samples = new long[epochs];
                for (int e = 0; e < epochs; e++) {
                    rates[e] = rate(epoch + e, baseRate);
                    samples[e] = samplesPerEpoch;
                }
                long t0 = System.nanoTime();
                Broadcast<StateArrays> state = sc.broadcast(new StateArrays(net.trainingState()));
                long t1 = System.nanoTime();
                List<BarrierResult> results = barrierStage(epoch, task.make(state, offsets, epoch, rates, units),
                        samples);
                long t2 = System.nanoTime();
                state.destroy();
                long stageNanos = System.nanoTime() - t0;
                long inTasks = 0;
                for (BarrierResult.EpochFigures f : results.get(0).epochs) {
                    inTasks += f.nanos;
                }
                for (int e = 0; e < epochs; e++) {
                    BarrierResult.EpochFigures f = results.get(0).epochs[e];
                    double share = inTasks > 0 ? (double) f.nanos / inTasks : 1.0 / epochs;
                    units += unitsPerEpoch;
                    addEpoch(totals, results, e, epoch + e, unitsPerEpoch, unit, Math.round((t1 - t0) * share),
                            Math.round((t2 - t1) * share));
                    endEpoch(epoch + e, rates[e], f.lossSum, f.samples, Math.round(stageNanos * share),
                            totals.timings(units));
                }
            }
            offsets.destroy();
            net.setOptimizer(net.optimizer().withLearningRate(baseRate));
            return new Result(net, List.copyOf(history), List.copyOf(backends), jobs, totals.timings(units),
                    (System.nanoTime() - start) / 1e9);
        }

        /** Where the barrier modes' time went so far (nanoseconds; the tasks' parts are means over the tasks). */
        private static final class BarrierTotals {
            long bcNanos;
            long jobNanos;
            long computeNanos;
            long encodeNanos;
            long exchangeNanos;
            long reduceNanos;

            StepTimings timings(long steps) {
                return new StepTimings(steps, bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9, encodeNanos / 1e9,
                        exchangeNanos / 1e9, reduceNanos / 1e9);
            }
        }

        /**
         * Runs {@code task} as one barrier stage over the cached rows and makes partition 0's final state the
         * driver network's, after checking the results: one per partition, partition 0's state matching its digest,
         * every task's digest and epoch loss sums equal to partition 0's (the tasks take the same steps), and
         * {@code samples[e]} samples trained on in the stage's epoch {@code e}. Returns the results in partition
         * order.
         *
         * @param firstEpoch the stage's first epoch (1-based), for the messages
         */
        private List<BarrierResult> barrierStage(int firstEpoch, scala.runtime.AbstractFunction1<
                scala.collection.Iterator<PartitionData>, scala.collection.Iterator<BarrierResult>> task,
                                                 long[] samples) {
            int partitions = data.partitions();
            scala.reflect.ClassTag<PartitionData> dataTag = scala.reflect.ClassTag$.MODULE$.apply(PartitionData.class);
            scala.reflect.ClassTag<BarrierResult> resultTag = scala.reflect.ClassTag$.MODULE$.apply(BarrierResult.class);
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
            String epochs = samples.length == 1 ? "epoch " + firstEpoch
                    : "epochs " + firstEpoch + "-" + (firstEpoch + samples.length - 1);
            List<BarrierResult> sorted = new ArrayList<>(results);
            sorted.sort(Comparator.comparingInt(r -> r.partition));
            if (sorted.size() != partitions) {
                throw new IllegalStateException(epochs + ": " + sorted.size() + " barrier tasks returned, "
                        + "for " + partitions + " partitions");
            }
            BarrierResult first = sorted.get(0);
            if (first.partition != 0 || first.state == null || first.state.digest() != first.stateDigest
                    || first.epochs.length != samples.length) {
                throw new IllegalStateException(epochs + ": partition 0's barrier task returned no state, one that "
                        + "does not match its digest, or figures of " + first.epochs.length + " epochs");
            }
            for (BarrierResult r : sorted) {
                boolean same = r.stateDigest == first.stateDigest && r.epochs.length == first.epochs.length;
                for (int e = 0; same && e < first.epochs.length; e++) {
                    same = Double.doubleToLongBits(r.epochs[e].lossSum)
                            == Double.doubleToLongBits(first.epochs[e].lossSum);
                }
                if (!same) {
                    throw new IllegalStateException(epochs + ": the barrier tasks of partitions "
                            + first.partition + " and " + r.partition + " ended in different states (state digests "
                            + Long.toHexString(first.stateDigest) + " and " + Long.toHexString(r.stateDigest)
                            + ", or their epochs' loss sums differ): the backend's steps are not deterministic");
                }
            }
            for (int e = 0; e < samples.length; e++) {
                if (first.epochs[e].samples != samples[e]) {
                    throw new IllegalStateException("epoch " + (firstEpoch + e) + ": the steps took "
                            + first.epochs[e].samples + " samples, expected " + samples[e]);
                }
            }
            net.setTrainingState(first.state.toState());
            return sorted;
        }

        /**
         * Adds epoch {@code e} of a barrier stage's results (in partition order) to {@code totals}, with its share
         * of the stage's broadcast and job times, and logs each task's figures per step or round.
         */
        private void addEpoch(BarrierTotals totals, List<BarrierResult> sorted, int e, int epoch, int units,
                              String unit, long broadcastNanos, long jobNanos) {
            int partitions = sorted.size();
            totals.bcNanos += broadcastNanos;
            totals.jobNanos += jobNanos;
            totals.computeNanos += sorted.get(0).epochs[e].slowestComputeNanos;
            for (BarrierResult r : sorted) {
                BarrierResult.EpochFigures f = r.epochs[e];
                LOG.info("barrier epoch {}, partition {}: per {} (ms) compute {}, encode {}, in allGather {}, "
                                + "decode+add+step {}; epoch in the task {} ms, its share of the job {} ms", epoch,
                        r.partition, unit, ms(f.computeNanos, units), ms(f.encodeNanos, units),
                        ms(f.exchangeNanos, units), ms(f.applyNanos, units), ms(f.nanos, 1), ms(jobNanos, 1));
                totals.encodeNanos += f.encodeNanos / partitions;
                totals.exchangeNanos += f.exchangeNanos / partitions;
                totals.reduceNanos += f.applyNanos / partitions;
                if (r.backend != null && backends.add(r.backend)) {
                    LOG.info("fcnn on Spark: {}", r.backend);
                }
            }
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
                        double w = LocalRound.weight(data.offsets, r.partition, n);
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
                endEpoch(epoch, rate, lossSum, samples, System.nanoTime() - epochStart, new StepTimings(round,
                        bcNanos / 1e9, jobNanos / 1e9, computeNanos / 1e9, 0, 0, reduceNanos / 1e9));
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

        private void endEpoch(int epoch, double rate, double lossSum, long samples, long epochNanos,
                              StepTimings sofar) {
            double seconds = epochNanos / 1e9;
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
