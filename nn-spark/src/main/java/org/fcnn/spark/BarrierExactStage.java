// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;

/**
 * The barrier mode's task for a run of consecutive epochs; all partitions' tasks run at once (one barrier stage).
 * From the broadcast training state, for each epoch its global row order ({@link EpochOrder}, replayed from the
 * fit's seed, so only the state is broadcast) and for each step {@code s} of the epoch (the batch
 * {@code order[s*batch, s*batch+rows)}): the gradient sum of this partition's share of the batch
 * ({@link SharePieces}, as {@link ShareGradients}), sent to every task with {@code allGather}
 * ({@link GradientMessage}, {@link BarrierExchange}); the shares added in partition order (the additions the exact
 * mode's driver makes) and one {@link Network#step(Gradients)} at the epoch's learning rate. Every task takes the
 * same steps from the same sums, so all end in the same state ({@link BarrierStage} returns it).
 *
 * <p>A task whose partition has no element still takes part in every step (with empty shares), as
 * {@code allGather} needs every task once per step.
 */
final class BarrierExactStage extends BarrierStage {
    private static final long serialVersionUID = 1L;

    private final int batch;
    private final int totalRows;

    /**
     * @param learningRates the rate of each epoch of the stage, from epoch {@code firstEpoch} (1-based) on
     * @param totalRows     the rows of all partitions (each epoch's order has as many)
     * @param seed          the fit's seed, which makes the epochs' orders
     * @param firstStep     the global number of the stage's first step (for the messages' checks and the test fault)
     * @param wakeNanos     the {@link BarrierExchange} waker's period (0: Spark's own one-second polling)
     */
    BarrierExactStage(NetworkSpec spec, Broadcast<StateArrays> state, Broadcast<long[]> offsets,
                      double[] learningRates, int firstEpoch, int batch, int totalRows, long seed, long firstStep,
                      long wakeNanos, String failTask) {
        super(spec, state, offsets, learningRates, firstEpoch, seed, firstStep, wakeNanos, failTask);
        this.batch = batch;
        this.totalRows = totalRows;
    }

    @Override
    StateArrays train(Task task, BarrierResult.EpochFigures[] figures) {
        Network net = task.net;
        PartitionData data = task.data;
        int partition = task.partition;
        int partitions = task.partitions;
        int rowsHere = task.rows();
        int n = totalRows;
        int size = (int) net.parameterCount();
        Gradients share = Gradients.zeros(net);
        double[] total = new double[size];
        int[] local = new int[Math.min(batch, n)];
        SharePieces pieces = new SharePieces();
        GradientMessage out = new GradientMessage();
        GradientMessage[] ins = new GradientMessage[partitions]; // one per partition: each keeps its message's bytes
        for (int p = 0; p < partitions; p++) {
            ins[p] = new GradientMessage();
        }
        String[] byPartition = new String[partitions];
        EpochOrder orders = new EpochOrder(seed, n);
        long step = firstUnit;
        for (int e = 0; e < learningRates.length; e++) {
            long epochStart = System.nanoTime();
            BarrierResult.EpochFigures f = figures[e];
            net.setOptimizer(spec.optimizer().withLearningRate(learningRates[e])); // same kind: keeps the state
            int[] ord = orders.advanceTo(firstEpoch + e);
            for (int from = 0; from < n; from += batch, step++) {
                int rows = Math.min(batch, n - from);
                TestHooks.maybeFail(failTask, step, partition);
                long t0 = System.nanoTime();
                int count = rowsHere == 0 ? 0
                        : ShareGradients.share(ord, from, rows, task.offsets[partition], rowsHere, local);
                share.clear();
                if (count > 0) {
                    pieces.accumulate(net, data, local, count, share);
                }
                long t1 = System.nanoTime();
                String message = out.encode(partition, step, share.samples(), share.lossSum(), t1 - t0,
                        share.values(), count > 0 ? size : 0);
                long t2 = System.nanoTime();
                String[] all = task.exchange.allGather(message);
                long t3 = System.nanoTime();
                BarrierExchange.indexByPartition(all, partitions, step, ins[0], byPartition);
                double lossSum = 0;
                long samples = 0;
                long slowestHere = 0;
                for (int p = 0; p < partitions; p++) {
                    GradientMessage in = ins[p].decode(byPartition[p]);
                    slowestHere = Math.max(slowestHere, in.computeNanos());
                    if (in.samples() == 0) {
                        continue; // an empty share: the exact mode's driver skips it too
                    }
                    if (in.count() != size) {
                        throw new IllegalStateException("step " + step + ": partition " + p + " sent "
                                + in.count() + " gradient values for a network of " + size + " parameters");
                    }
                    lossSum += in.lossSum();
                    samples += in.samples();
                }
                GradientMessage.sumInto(ins, null, 0, total); // in partition order, skipping empty shares
                if (samples != rows) {
                    throw new IllegalStateException("step " + step + ": the partitions' shares hold " + samples
                            + " samples, the batch " + rows);
                }
                net.step(Gradients.of(total, lossSum, samples));
                long t4 = System.nanoTime();
                f.lossSum += lossSum;
                f.samples += samples;
                f.addTimes(slowestHere, t0, t1, t2, t3, t4);
            }
            f.nanos = System.nanoTime() - epochStart;
        }
        return new StateArrays(net.trainingState());
    }
}
