// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;

/**
 * What one partition's task sends back to the driver: its partition, the gradient sums of its share of a step's
 * batch (exact mode; {@code null} when the share was empty) or its parameters and optimizer state after a round
 * (local-steps mode), the loss sum and samples, the nanoseconds it computed, and which backend ran it where.
 */
final class ShareResult implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final double[] values;
    final double[][] optimizerState;
    final double lossSum;
    final long samples;
    final long computeNanos;
    final String backend;

    ShareResult(int partition, double[] values, double[][] optimizerState, double lossSum, long samples,
                long computeNanos, String backend) {
        this.partition = partition;
        this.values = values;
        this.optimizerState = optimizerState;
        this.lossSum = lossSum;
        this.samples = samples;
        this.computeNanos = computeNanos;
        this.backend = backend;
    }

    /** Where a task ran and on which backend, for the driver's log. */
    static String describe(org.fcnn.api.Network net) {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String executor = env == null ? "?" : env.executorId();
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown host";
        }
        return "executor " + executor + " on " + host + " (pid " + ProcessHandle.current().pid() + "): "
                + net.backend().name() + " on " + net.backend().device();
    }
}
