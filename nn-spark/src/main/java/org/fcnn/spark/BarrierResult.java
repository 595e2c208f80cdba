// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;

/**
 * What one barrier task returns at the end of its stage: the training state the tasks reached (partition 0's task
 * sends it; every task sends its {@link StateArrays#digest()}: they all take the same steps, so the driver checks the
 * digests are equal), the figures of each epoch the stage ran ({@link EpochFigures}), and the whole task's time,
 * from its start to its result ready (setting up the network and reading the broadcasts, the steps, reading the
 * state back).
 */
final class BarrierResult implements Serializable {
    private static final long serialVersionUID = 2L;

    final int partition;
    /** The state (partition 0), or null. */
    final StateArrays state;
    final long stateDigest;
    /** One per epoch of the stage, in order. */
    final EpochFigures[] epochs;
    final long taskNanos;
    final String backend;

    BarrierResult(int partition, StateArrays state, long stateDigest, EpochFigures[] epochs, long taskNanos,
                  String backend) {
        this.partition = partition;
        this.state = state;
        this.stateDigest = stateDigest;
        this.epochs = epochs;
        this.taskNanos = taskNanos;
        this.backend = backend;
    }

    /**
     * One epoch in one task: the loss sum and samples over all partitions (every task knows them from the
     * messages), and where the task's time went, summed over the epoch's steps or rounds (nanoseconds): the slowest
     * partition's computation per step or round (also from the messages), this task's own computation, encoding its
     * message, waiting inside {@code allGather}, and decoding, adding and stepping (or averaging); and the epoch's
     * whole time in the task.
     */
    static final class EpochFigures implements Serializable {
        private static final long serialVersionUID = 1L;

        double lossSum;
        long samples;
        long slowestComputeNanos;
        long computeNanos;
        long encodeNanos;
        long exchangeNanos;
        long applyNanos;
        long nanos;

        /**
         * Adds one step's or round's times: the slowest partition's computation, and this task's instants
         * {@code t0} (computing starts), {@code t1} (computed), {@code t2} (encoded), {@code t3} (out of
         * {@code allGather}), {@code t4} (applied), from {@code System.nanoTime()}.
         */
        void addTimes(long slowestCompute, long t0, long t1, long t2, long t3, long t4) {
            slowestComputeNanos += slowestCompute;
            computeNanos += t1 - t0;
            encodeNanos += t2 - t1;
            exchangeNanos += t3 - t2;
            applyNanos += t4 - t3;
        }
    }
}
