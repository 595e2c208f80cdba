// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Network;
import scala.runtime.AbstractFunction1;

/**
 * A barrier mode's task for a run of consecutive epochs (one barrier stage; all partitions' tasks run at once), with
 * what both modes share: the stage's settings, and around the training ({@link #train}) the task's start (its
 * partition and cached rows, the stage's tasks checked against the data's partitions, a network borrowed from
 * {@link ExecutorNetworks} with the broadcast training state, a {@link BarrierExchange}) and its end (partition 0's
 * task returns the final state, every task its digest and each epoch's figures, {@link BarrierResult}). A subclass
 * must be a pure function of the broadcast state and the cached rows, so that a rerun stage (Spark reruns all of a
 * barrier stage's tasks when one fails) gives the same result.
 *
 * <p>A task whose partition has no rows still takes part in every {@code allGather}, with empty messages.
 */
abstract class BarrierStage extends AbstractFunction1<scala.collection.Iterator<PartitionData>,
        scala.collection.Iterator<BarrierResult>> implements Serializable {
    private static final long serialVersionUID = 1L;

    final NetworkSpec spec;
    final Broadcast<StateArrays> state;
    final Broadcast<long[]> offsets;
    final double[] learningRates;
    final int firstEpoch;
    final long seed;
    final long firstUnit;
    final long wakeNanos;
    final String failTask;

    /**
     * @param learningRates the rate of each epoch of the stage, from epoch {@code firstEpoch} (1-based) on
     * @param seed          the fit's seed (the epochs' row orders come from it)
     * @param firstUnit     the global number of the stage's first step or round (for the messages' checks and the
     *                      test fault)
     * @param wakeNanos     the {@link BarrierExchange} waker's period (0: Spark's own one-second polling)
     */
    BarrierStage(NetworkSpec spec, Broadcast<StateArrays> state, Broadcast<long[]> offsets, double[] learningRates,
                 int firstEpoch, long seed, long firstUnit, long wakeNanos, String failTask) {
        this.spec = spec;
        this.state = state;
        this.offsets = offsets;
        this.learningRates = learningRates.clone();
        this.firstEpoch = firstEpoch;
        this.seed = seed;
        this.firstUnit = firstUnit;
        this.wakeNanos = wakeNanos;
        this.failTask = failTask;
    }

    /** What one task trains with: its partition, its rows, the stage's network and exchange. */
    static final class Task {
        /** This task's partition. */
        final int partition;
        /** The number of partitions, and of the stage's tasks. */
        final int partitions;
        /** The partition's cached rows; null for a partition without any. */
        final PartitionData data;
        /** The rows before each partition (one per partition). */
        final long[] offsets;
        /** The borrowed network, at the broadcast training state and the first epoch's learning rate. */
        final Network net;
        final BarrierExchange exchange;

        Task(int partition, int partitions, PartitionData data, long[] offsets, Network net,
             BarrierExchange exchange) {
            this.partition = partition;
            this.partitions = partitions;
            this.data = data;
            this.offsets = offsets;
            this.net = net;
            this.exchange = exchange;
        }

        /** The rows of this task's partition. */
        int rows() {
            return data == null ? 0 : data.rows;
        }
    }

    /**
     * Trains the stage's epochs, filling {@code figures} (one per epoch, in order), and returns the final state,
     * which must be the same bits on every task.
     */
    abstract StateArrays train(Task task, BarrierResult.EpochFigures[] figures);

    @Override
    public final scala.collection.Iterator<BarrierResult> apply(scala.collection.Iterator<PartitionData> it) {
        long started = System.nanoTime();
        BarrierTaskContext ctx = BarrierTaskContext.get();
        PartitionData data = it.hasNext() ? it.next() : null;
        int partition = data != null ? data.partition : ctx.partitionId();
        long[] offs = offsets.value();
        int partitions = BarrierChecks.stageTasks(ctx, partition, offs);
        Network net = ExecutorNetworks.borrow(spec);
        try (BarrierExchange exchange = new BarrierExchange(ctx, wakeNanos)) {
            net.setOptimizer(spec.optimizer().withLearningRate(learningRates[0]));
            net.setTrainingState(state.value().toState());
            BarrierResult.EpochFigures[] figures = new BarrierResult.EpochFigures[learningRates.length];
            for (int e = 0; e < figures.length; e++) {
                figures[e] = new BarrierResult.EpochFigures();
            }
            StateArrays end = train(new Task(partition, partitions, data, offs, net, exchange), figures);
            return scala.collection.Iterator$.MODULE$.single(new BarrierResult(partition, partition == 0 ? end : null,
                    end.digest(), figures, System.nanoTime() - started, ShareResult.describe(net)));
        } finally {
            ExecutorNetworks.release(spec, net);
        }
    }
}
