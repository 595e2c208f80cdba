// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Network;
import org.fcnn.api.TrainingState;
import org.fcnn.data.Dataset;

/**
 * The local-steps mode's task for one round: from the broadcast parameters and optimizer state, {@code steps}
 * optimizer steps on mini-batches of this partition's own rows (its share of the global batch size, in an order
 * seeded by the run's seed, the epoch and the partition), then the resulting state goes back to be averaged.
 * Deterministic, so a retried task returns the same state.
 */
final class LocalRound implements FlatMapFunction<Iterator<PartitionData>, ShareResult> {
    private static final long serialVersionUID = 1L;

    private final NetworkSpec spec;
    private final Broadcast<StateArrays> state;
    private final double learningRate;
    private final int epoch;
    private final long firstStep;
    private final int steps;
    private final int globalBatch;
    private final long totalRows;
    private final long seed;
    private final long round;
    private final String failTask;

    LocalRound(NetworkSpec spec, Broadcast<StateArrays> state, double learningRate, int epoch, long firstStep, int steps,
               int globalBatch, long totalRows, long seed, long round, String failTask) {
        this.spec = spec;
        this.state = state;
        this.learningRate = learningRate;
        this.epoch = epoch;
        this.firstStep = firstStep;
        this.steps = steps;
        this.globalBatch = globalBatch;
        this.totalRows = totalRows;
        this.seed = seed;
        this.round = round;
        this.failTask = failTask;
    }

    /** The rows of partition {@code p}, from the partitions' offsets (the rows before each) and the total. */
    static long rowsOf(long[] offsets, int p, long totalRows) {
        return (p + 1 < offsets.length ? offsets[p + 1] : totalRows) - offsets[p];
    }

    /** Partition {@code p}'s weight in the average of the partitions' states: its share of all rows. */
    static double weight(long[] offsets, int p, long totalRows) {
        return (double) rowsOf(offsets, p, totalRows) / totalRows;
    }

    /** This partition's mini-batch size: its share of the global batch, at least 1 and at most its rows. */
    static int localBatch(int globalBatch, int rows, long totalRows) {
        return (int) Math.max(1, Math.min(rows, Math.round((double) globalBatch * rows / totalRows)));
    }

    /** The order of {@code data}'s rows in {@code epoch}: seeded by the run's seed, the epoch and the partition. */
    static int[] permutation(long seed, int epoch, PartitionData data) {
        return Dataset.permutation(data.rows, seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L
                + data.partition * 0x94D049BB133111EBL);
    }

    /** The arrays one local mini-batch of {@code b} rows is gathered into, reused from step to step. */
    static final class Buffers {
        final int[] rows;
        final float[] features;
        final float[] targets;

        Buffers(int b, PartitionData data) {
            rows = new int[b];
            features = new float[b * data.inputs];
            targets = new float[b * data.classes];
        }
    }

    /**
     * Takes the local steps {@code firstStep .. firstStep + steps - 1} of an epoch on {@code net}: step {@code j}
     * trains on the {@code b} rows {@code perm[(j*b + i) % rows]}, {@code i < b}. Returns the loss summed over the
     * samples ({@code trainBatch}'s mean loss times {@code b}, per step).
     */
    static double takeSteps(Network net, PartitionData data, int[] perm, int b, long firstStep, int steps,
                            Buffers buf) {
        double lossSum = 0;
        for (int j = 0; j < steps; j++) {
            long from = (firstStep + j) * b;
            for (int i = 0; i < b; i++) {
                buf.rows[i] = perm[(int) ((from + i) % data.rows)];
            }
            data.gather(buf.rows, b, buf.features, buf.targets);
            lossSum += net.trainBatch(buf.features, buf.targets, b) * b;
        }
        return lossSum;
    }

    @Override
    public Iterator<ShareResult> call(Iterator<PartitionData> it) {
        if (!it.hasNext()) {
            return List.<ShareResult>of().iterator();
        }
        PartitionData data = it.next();
        if (data.rows == 0) {
            return List.of(new ShareResult(data.partition, null, null, 0, 0, 0, null)).iterator();
        }
        TestHooks.maybeFail(failTask, round, data.partition);
        long t0 = System.nanoTime();
        int b = localBatch(globalBatch, data.rows, totalRows);
        int[] perm = permutation(seed, epoch, data);
        Network net = ExecutorNetworks.borrow(spec);
        try {
            net.setOptimizer(spec.optimizer().withLearningRate(learningRate));
            net.setTrainingState(state.value().toState());
            double lossSum = takeSteps(net, data, perm, b, firstStep, steps, new Buffers(b, data));
            TrainingState s = net.trainingState();
            return List.of(new ShareResult(data.partition, s.parameters(), s.optimizerState(), lossSum,
                    (long) steps * b, System.nanoTime() - t0, ShareResult.describe(net))).iterator();
        } finally {
            ExecutorNetworks.release(spec, net);
        }
    }
}
