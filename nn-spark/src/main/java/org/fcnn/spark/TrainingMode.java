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
    LOCAL_STEPS;

    /** The name as a Spark ML param value: {@code exact} or {@code local-steps}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The mode called {@code id} ({@code exact} or {@code local-steps}). */
    public static TrainingMode of(String id) {
        for (TrainingMode m : values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be exact or local-steps, got " + id);
    }
}
