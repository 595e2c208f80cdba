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
     * Synchronous and exact, one Spark barrier stage for the fit (or per {@link SparkTrainer#EPOCHS_PER_STAGE}
     * epochs): all partitions' tasks run at once, each replaying the epochs' row orders from the seed; in each step
     * each task computes the gradient sum of its share of the global mini-batch, the tasks exchange the sums with
     * {@code BarrierTaskContext.allGather} (through the driver's barrier coordinator), and every task adds them in
     * partition order and takes the same optimizer step. The same result as {@link #EXACT} (bit for bit) and as
     * {@link org.fcnn.train.Trainer}; one job per stage instead of one per step. Needs a task slot per partition
     * at once and no dynamic allocation; each step sends every partition's sums to every task, so it suits few
     * partitions.
     */
    BARRIER,
    /**
     * Local SGD in one Spark barrier stage for the fit (or per {@link SparkTrainer#EPOCHS_PER_STAGE} epochs): the
     * rounds of {@link #LOCAL_STEPS} (each partition takes {@code localSteps} steps on its own rows), but the tasks
     * average their states among themselves after each round with {@code BarrierTaskContext.allGather} instead of
     * ending a job per round, so a round costs an exchange of the states (a few milliseconds) instead of a Spark job
     * (tens). The same states as {@link #LOCAL_STEPS}, bit for bit. Needs what {@link #BARRIER} needs (a task slot
     * per partition, no dynamic allocation); each round sends every partition's parameters and optimizer state to
     * every task, so it suits few partitions.
     */
    BARRIER_LOCAL_STEPS;

    /**
     * The name as a Spark ML param value: {@code exact}, {@code local-steps}, {@code barrier} or
     * {@code barrier-local-steps}.
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The mode called {@code id} (one of the {@link #id()}s). */
    public static TrainingMode of(String id) {
        for (TrainingMode m : values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be exact, local-steps, barrier or barrier-local-steps, got " + id);
    }
}
