// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;

/**
 * What one barrier-mode task returns at the end of its epoch: the training state the tasks reached (partition 0's
 * task sends it; every task sends its {@link StateArrays#digest()}: they all take the same steps, so the driver
 * checks the digests are equal), the epoch's loss sum over all partitions, and where
 * the task's time went, summed over the epoch's steps (nanoseconds): the slowest partition's computation per step
 * (every task knows it from the messages), this task's own computation, encoding its message, waiting inside
 * {@code allGather}, and decoding, adding and stepping; and the whole task, from its start to its result ready
 * (setting up the network and reading the broadcasts, the steps, reading the state back).
 */
final class BarrierResult implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    /** The state (partition 0), or null. */
    final StateArrays state;
    final long stateDigest;
    final double lossSum;
    final long samples;
    final long slowestComputeNanos;
    final long computeNanos;
    final long encodeNanos;
    final long exchangeNanos;
    final long applyNanos;
    final long taskNanos;
    final String backend;

    BarrierResult(int partition, StateArrays state, long stateDigest, double lossSum, long samples, long slowestComputeNanos,
                  long computeNanos, long encodeNanos, long exchangeNanos, long applyNanos, long taskNanos,
                  String backend) {
        this.partition = partition;
        this.state = state;
        this.stateDigest = stateDigest;
        this.lossSum = lossSum;
        this.samples = samples;
        this.slowestComputeNanos = slowestComputeNanos;
        this.computeNanos = computeNanos;
        this.encodeNanos = encodeNanos;
        this.exchangeNanos = exchangeNanos;
        this.applyNanos = applyNanos;
        this.taskNanos = taskNanos;
        this.backend = backend;
    }
}
