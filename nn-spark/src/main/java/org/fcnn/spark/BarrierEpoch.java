// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;
import scala.runtime.AbstractFunction1;

/**
 * The barrier mode's task for one epoch; all partitions' tasks run at once (one barrier stage). From the broadcast
 * training state, for each step {@code s} of the epoch (the batch {@code order[s*batch, s*batch+rows)}): the
 * gradient sum of this partition's share of the batch ({@link Network#accumulateGradients}, as
 * {@link ShareGradients}), sent to every task with {@code allGather} ({@link GradientMessage},
 * {@link BarrierExchange}); the shares added in partition order (the additions the exact mode's driver makes) and
 * one {@link Network#step(Gradients)}. Every task takes the same steps from the same sums, so all end in the same
 * state, which partition 0's task returns, and every task its digest ({@link BarrierResult}). A pure function of the broadcast values and the cached rows:
 * a rerun stage (Spark reruns all of a barrier stage's tasks when one fails) gives the same result.
 *
 * <p>A task whose partition has no element still takes part in every step (with empty shares), as
 * {@code allGather} needs every task once per step.
 */
final class BarrierEpoch extends AbstractFunction1<scala.collection.Iterator<PartitionData>,
        scala.collection.Iterator<BarrierResult>> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final NetworkSpec spec;
    private final Broadcast<StateArrays> state;
    private final Broadcast<int[]> order;
    private final Broadcast<long[]> offsets;
    private final double learningRate;
    private final int batch;
    private final long firstStep;
    private final long wakeNanos;
    private final String failTask;

    /**
     * @param firstStep the global number of the epoch's first step (for the messages' checks and the test fault)
     * @param wakeNanos the {@link BarrierExchange} waker's period (0: Spark's own one-second polling)
     */
    BarrierEpoch(NetworkSpec spec, Broadcast<StateArrays> state, Broadcast<int[]> order, Broadcast<long[]> offsets,
                 double learningRate, int batch, long firstStep, long wakeNanos, String failTask) {
        this.spec = spec;
        this.state = state;
        this.order = order;
        this.offsets = offsets;
        this.learningRate = learningRate;
        this.batch = batch;
        this.firstStep = firstStep;
        this.wakeNanos = wakeNanos;
        this.failTask = failTask;
    }

    /**
     * Puts each of {@code all} (the messages {@code allGather} returned for step or round {@code step}) at the index
     * of the partition it names. Spark's coordinator orders the messages by partition id already; indexing by what
     * each says does not rely on that, and checks that every partition sent one message for this step.
     *
     * @throws IllegalStateException if a message is missing, repeated, from an unknown partition or another step
     */
    static void indexByPartition(String[] all, int partitions, long step, GradientMessage reader,
                                 String[] byPartition) {
        if (all.length != partitions) {
            throw new IllegalStateException("step " + step + ": allGather returned " + all.length
                    + " messages for " + partitions + " partitions");
        }
        Arrays.fill(byPartition, null);
        for (String m : all) {
            int p = reader.peek(m).partition();
            if (p < 0 || p >= partitions || byPartition[p] != null || reader.step() != step) {
                throw new IllegalStateException("step " + step + ": unexpected message from partition " + p
                        + " for step " + reader.step() + " (" + partitions + " partitions)");
            }
            byPartition[p] = m;
        }
    }

    @Override
    public scala.collection.Iterator<BarrierResult> apply(scala.collection.Iterator<PartitionData> it) {
        long started = System.nanoTime();
        BarrierTaskContext ctx = BarrierTaskContext.get();
        PartitionData data = it.hasNext() ? it.next() : null;
        int partition = data != null ? data.partition : ctx.partitionId();
        int partitions = ctx.numPartitions();
        long[] offs = offsets.value();
        if (partitions != offs.length) {
            throw new IllegalStateException("barrier task of partition " + partition + ": the stage has " + partitions
                    + " tasks, the data " + offs.length + " partitions");
        }
        int rowsHere = data == null ? 0 : data.rows;
        int[] ord = order.value();
        int n = ord.length;
        Network net = ExecutorNetworks.borrow(spec);
        try (BarrierExchange exchange = new BarrierExchange(ctx, wakeNanos)) {
            net.setOptimizer(spec.optimizer().withLearningRate(learningRate));
            net.setTrainingState(state.value().toState());
            int size = (int) net.parameterCount();
            Gradients share = Gradients.zeros(net);
            double[] total = new double[size];
            int[] local = new int[Math.min(batch, n)];
            // The network takes arrays of exactly the share's rows; shares vary in size, so keep one pair per size.
            java.util.Map<Integer, float[][]> buffers = new java.util.HashMap<>();
            GradientMessage out = new GradientMessage();
            GradientMessage in = new GradientMessage();
            String[] byPartition = new String[partitions];
            double epochLoss = 0;
            long epochSamples = 0;
            long slowest = 0;
            long compute = 0;
            long encode = 0;
            long wait = 0;
            long apply = 0;
            long step = firstStep;
            for (int from = 0; from < n; from += batch, step++) {
                int rows = Math.min(batch, n - from);
                TestHooks.maybeFail(failTask, step, partition);
                long t0 = System.nanoTime();
                int count = rowsHere == 0 ? 0 : ShareGradients.share(ord, from, rows, offs[partition], rowsHere, local);
                share.clear();
                if (count > 0) {
                    float[][] xt = buffers.get(count);
                    if (xt == null) {
                        if (buffers.size() >= 64) {
                            buffers.clear();
                        }
                        xt = new float[][] {new float[count * data.inputs], new float[count * data.classes]};
                        buffers.put(count, xt);
                    }
                    data.gather(local, count, xt[0], xt[1]);
                    net.accumulateGradients(xt[0], xt[1], count, share);
                }
                long t1 = System.nanoTime();
                String message = out.encode(partition, step, share.samples(), share.lossSum(), t1 - t0,
                        share.values(), count > 0 ? size : 0);
                long t2 = System.nanoTime();
                String[] all = exchange.allGather(message);
                long t3 = System.nanoTime();
                indexByPartition(all, partitions, step, in, byPartition);
                Arrays.fill(total, 0);
                double lossSum = 0;
                long samples = 0;
                long slowestHere = 0;
                for (int p = 0; p < partitions; p++) {
                    in.decode(byPartition[p]);
                    slowestHere = Math.max(slowestHere, in.computeNanos());
                    if (in.samples() == 0) {
                        continue; // an empty share: the exact mode's driver skips it too
                    }
                    if (in.count() != size) {
                        throw new IllegalStateException("step " + step + ": partition " + p + " sent " + in.count()
                                + " gradient values for a network of " + size + " parameters");
                    }
                    in.addTo(total);
                    lossSum += in.lossSum();
                    samples += in.samples();
                }
                if (samples != rows) {
                    throw new IllegalStateException("step " + step + ": the partitions' shares hold " + samples
                            + " samples, the batch " + rows);
                }
                net.step(Gradients.of(total, lossSum, samples));
                epochLoss += lossSum;
                epochSamples += samples;
                long t4 = System.nanoTime();
                slowest += slowestHere;
                compute += t1 - t0;
                encode += t2 - t1;
                wait += t3 - t2;
                apply += t4 - t3;
            }
            StateArrays end = new StateArrays(net.trainingState());
            BarrierResult.EpochFigures f = new BarrierResult.EpochFigures();
            f.lossSum = epochLoss;
            f.samples = epochSamples;
            f.slowestComputeNanos = slowest;
            f.computeNanos = compute;
            f.encodeNanos = encode;
            f.exchangeNanos = wait;
            f.applyNanos = apply;
            f.nanos = System.nanoTime() - started;
            return scala.collection.Iterator$.MODULE$.single(new BarrierResult(partition, partition == 0 ? end : null,
                    end.digest(), new BarrierResult.EpochFigures[] {f}, f.nanos, ShareResult.describe(net)));
        } finally {
            ExecutorNetworks.release(spec, net);
        }
    }
}
