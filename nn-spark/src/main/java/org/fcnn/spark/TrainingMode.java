// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.Locale;

/** How {@link SparkTrainer} spreads a step over the partitions. */
public enum TrainingMode {
    /**
     * Synchronous and exact: one Spark job per step; each partition computes the gradient sum of its share of the
     * global mini-batch, the driver adds the sums in partition order and steps the optimizer once. The same
     * result as {@link org.fcnn.train.Trainer} on one JVM with the same batches (to rounding).
     */
    EXACT,
    /**
     * Local SGD: one Spark job per round of {@code localSteps} steps; each partition takes that many steps on
     * mini-batches of its own rows (its share of the global batch size), then the driver averages the
     * parameters and the optimizer state of the partitions, weighted by their rows. Fewer jobs and
     * {@code localSteps} times less traffic; converges somewhat differently from the exact mode.
     */
    LOCAL_STEPS,
    /**
     * Synchronous and exact, one Spark barrier stage per epoch: all partitions' tasks run at once; in each step each
     * task computes the gradient sum of its share of the global mini-batch, the tasks exchange the sums with
     * {@code BarrierTaskContext.allGather} (through the driver's barrier coordinator), and every task adds them in
     * partition order and takes the same optimizer step. The same result as {@link #EXACT} (bit for bit) and as
     * {@link org.fcnn.train.Trainer}; one job per epoch instead of one per step. Needs a task slot per partition
     * at once and no dynamic allocation; each step sends every partition's sums to every task, so it suits few
     * partitions.
     */
    BARRIER;

    /** The name as a Spark ML param value: {@code exact}, {@code local-steps} or {@code barrier}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The mode called {@code id} ({@code exact}, {@code local-steps} or {@code barrier}). */
    public static TrainingMode of(String id) {
        for (TrainingMode m : values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be exact, local-steps or barrier, got " + id);
    }
}
