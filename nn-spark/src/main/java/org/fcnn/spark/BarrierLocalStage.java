// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Network;
import org.fcnn.api.TrainingState;

/**
 * The barrier local-steps mode's task for a run of consecutive epochs; all partitions' tasks run at once (one barrier
 * stage). Each epoch's rounds are the local-steps mode's ({@link LocalRound}: the same rows in the same order, at the
 * epoch's learning rate): from the round's starting state, each task takes {@code localSteps} optimizer steps on
 * mini-batches of its own rows; then, instead of returning its state to the driver and ending the job, it sends the
 * state (parameters, then each optimizer slot, as a {@link GradientMessage}) to every task with {@code allGather}
 * ({@link BarrierExchange}), and every task averages all the states weighted by the partitions' rows, in partition
 * order: the additions the local-steps mode's driver makes, so that both modes reach the same state bit for bit. The
 * average starts the next round ({@link BarrierStage} returns the last).
 *
 * <p>A task whose partition has no rows takes part in every round with an empty message.
 */
final class BarrierLocalStage extends BarrierStage {
    private static final long serialVersionUID = 1L;

    private final int stepsPerEpoch;
    private final int localSteps;
    private final int globalBatch;
    private final long totalRows;

    /**
     * @param learningRates the rate of each epoch of the stage, from epoch {@code firstEpoch} (1-based) on
     * @param stepsPerEpoch the local steps each partition takes per epoch, in rounds of {@code localSteps} (an
     *                      epoch's last round may be shorter)
     * @param firstRound    the global number of the stage's first round (for the messages' checks and the test
     *                      fault)
     * @param wakeNanos     the {@link BarrierExchange} waker's period (0: Spark's own one-second polling)
     */
    BarrierLocalStage(NetworkSpec spec, Broadcast<StateArrays> state, Broadcast<long[]> offsets,
                      double[] learningRates, int firstEpoch, int stepsPerEpoch, int localSteps, int globalBatch,
                      long totalRows, long seed, long firstRound, long wakeNanos, String failTask) {
        super(spec, state, offsets, learningRates, firstEpoch, seed, firstRound, wakeNanos, failTask);
        this.stepsPerEpoch = stepsPerEpoch;
        this.localSteps = localSteps;
        this.globalBatch = globalBatch;
        this.totalRows = totalRows;
    }

    @Override
    StateArrays train(Task task, BarrierResult.EpochFigures[] figures) {
        Network net = task.net;
        PartitionData data = task.data;
        int partition = task.partition;
        int partitions = task.partitions;
        long[] offs = task.offsets;
        boolean hasRows = task.rows() > 0;
        // the broadcast doubles, not the network's state: a float32 network would round them
        TrainingState current = state.value().toState();
        int size = current.parameters().length;
        int slots = current.optimizerState().length;
        double[] packed = new double[(1 + slots) * size];
        int b = hasRows ? LocalRound.localBatch(globalBatch, data.rows, totalRows) : 0;
        LocalRound.Buffers buffers = hasRows ? new LocalRound.Buffers(b, data) : null;
        // The averages alternate between two sets of arrays: one holds the round's starting state while the
        // other takes the next (the broadcast arrays, shared by the tasks of one JVM, are never written).
        double[][] params = new double[2][size];
        double[][][] slotSums = new double[2][slots][size];
        int set = 0;
        GradientMessage out = new GradientMessage();
        GradientMessage[] ins = new GradientMessage[partitions]; // one per partition: each keeps its message's bytes
        double[] weights = new double[partitions];
        for (int p = 0; p < partitions; p++) {
            ins[p] = new GradientMessage();
            weights[p] = LocalRound.weight(offs, p, totalRows);
        }
        String[] byPartition = new String[partitions];
        long round = firstUnit;
        for (int e = 0; e < learningRates.length; e++) {
            long epochStart = System.nanoTime();
            BarrierResult.EpochFigures f = figures[e];
            net.setOptimizer(spec.optimizer().withLearningRate(learningRates[e]));
            int[] perm = hasRows ? LocalRound.permutation(seed, firstEpoch + e, data) : null;
            for (int first = 0; first < stepsPerEpoch; first += localSteps, round++, set ^= 1) {
                int steps = Math.min(localSteps, stepsPerEpoch - first);
                TestHooks.maybeFail(failTask, round, partition);
                long t0 = System.nanoTime();
                double lossSum = 0;
                if (hasRows) {
                    net.setTrainingState(current);
                    lossSum = LocalRound.takeSteps(net, data, perm, b, first, steps, buffers);
                    TrainingState s = net.trainingState();
                    System.arraycopy(s.parameters(), 0, packed, 0, size);
                    for (int k = 0; k < slots; k++) {
                        System.arraycopy(s.optimizerState()[k], 0, packed, (1 + k) * size, size);
                    }
                }
                long t1 = System.nanoTime();
                String message = out.encode(partition, round, hasRows ? (long) steps * b : 0, lossSum, t1 - t0,
                        packed, hasRows ? packed.length : 0);
                long t2 = System.nanoTime();
                String[] all = task.exchange.allGather(message);
                long t3 = System.nanoTime();
                BarrierExchange.indexByPartition(all, partitions, round, ins[0], byPartition);
                double[] avg = params[set];
                double[][] avgSlots = slotSums[set];
                long slowestHere = 0;
                for (int p = 0; p < partitions; p++) {
                    GradientMessage in = ins[p].decode(byPartition[p]);
                    slowestHere = Math.max(slowestHere, in.computeNanos());
                    if (in.samples() == 0) {
                        continue; // a partition without rows: the local-steps mode's driver skips it too
                    }
                    if (in.count() != packed.length) {
                        throw new IllegalStateException("round " + round + ": partition " + p + " sent "
                                + in.count() + " values for a state of " + packed.length);
                    }
                    f.lossSum += in.lossSum();
                    f.samples += in.samples();
                }
                // the weighted sums in partition order, skipping partitions without rows, as the driver makes them
                GradientMessage.sumInto(ins, weights, 0, avg);
                for (int k = 0; k < slots; k++) {
                    GradientMessage.sumInto(ins, weights, (1 + k) * size, avgSlots[k]);
                }
                current = new TrainingState(current.kind(), avg, avgSlots, current.steps() + steps);
                long t4 = System.nanoTime();
                f.addTimes(slowestHere, t0, t1, t2, t3, t4);
            }
            f.nanos = System.nanoTime() - epochStart;
        }
        return new StateArrays(current);
    }
}
