// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * What the barrier mode checks on the driver before it submits a stage, so that a fit that cannot run fails at once
 * with a message saying why, instead of the way Spark's scheduler handles it: with too few task slots Spark's
 * {@code DAGScheduler} fails the check, waits {@code spark.scheduler.barrier.maxConcurrentTasksCheck.interval} (15 s)
 * and tries again, {@code ...maxFailures} (40) times, about ten minutes before the job fails; with dynamic
 * allocation it fails the job with {@code BarrierJobRunWithDynamicAllocationException} (SPARK-24942). And what a
 * barrier task checks when it starts ({@link #stageTasks}).
 */
final class BarrierChecks {
    /** The Spark conf key of how long to wait for executors to register when slots are short (not local mode). */
    static final String SLOT_WAIT = "spark.fcnn.barrier.slotWaitMs";
    private static final long DEFAULT_SLOT_WAIT_MS = 10_000;

    private BarrierChecks() {
    }

    /**
     * @throws IllegalArgumentException if dynamic allocation is on, or {@code partitions} exceed the task slots
     *                                  (after waiting up to {@value #SLOT_WAIT} ms, default 10 s, for executors to
     *                                  register on a cluster; at once in local mode)
     */
    static void check(SparkContext sc, int partitions) {
        checkNoDynamicAllocation(sc.getConf(), sc.isLocal());
        int slots = slots(sc);
        if (partitions > slots && !sc.isLocal()) {
            long deadline = System.nanoTime() + sc.getConf().getLong(SLOT_WAIT, DEFAULT_SLOT_WAIT_MS) * 1_000_000L;
            while (partitions > slots && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                slots = slots(sc);
            }
        }
        checkSlots(partitions, slots);
    }

    /** Spark's rule ({@code Utils.isDynamicAllocationEnabled}): on, and not local unless Spark is testing it. */
    static void checkNoDynamicAllocation(SparkConf conf, boolean local) {
        boolean on = conf.getBoolean("spark.dynamicAllocation.enabled", false)
                && (!local || conf.getBoolean("spark.dynamicAllocation.testing", false));
        if (on) {
            throw new IllegalArgumentException("modes barrier and barrier-local-steps cannot run with dynamic "
                    + "allocation (spark.dynamicAllocation.enabled=true): Spark rejects barrier stages then "
                    + "(SPARK-24942); set spark.dynamicAllocation.enabled=false, or use mode exact or local-steps");
        }
    }

    static void checkSlots(int partitions, int slots) {
        if (partitions > slots) {
            throw new IllegalArgumentException("modes barrier and barrier-local-steps run the tasks of all "
                    + partitions + " partitions at once, but Spark has " + slots + " task slot"
                    + (slots == 1 ? "" : "s") + " (executor cores / spark.task.cpus); use at most " + slots
                    + " partitions (e.g. repartition the training DataFrame), more executors, or mode exact");
        }
    }

    /**
     * The number of tasks Spark can run at once, as its barrier check counts them:
     * {@code SparkContext.maxNumConcurrentTasks} for the default resource profile (Scala {@code private[spark]},
     * public in the bytecode, so callable from Java); where a Spark lacks it, the default parallelism (all cores for
     * {@code local[N]}, standalone and YARN) over {@code spark.task.cpus}.
     */
    static int slots(SparkContext sc) {
        try {
            return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        } catch (LinkageError e) {
            return Math.max(1, sc.defaultParallelism() / Math.max(1, sc.getConf().getInt("spark.task.cpus", 1)));
        }
    }

    /**
     * The number of tasks in the barrier stage of {@code ctx} (the task of {@code partition}), which must be the
     * number of the data's partitions ({@code offsets}: one per partition), as every step's {@code allGather}
     * expects a message from each.
     *
     * @throws IllegalStateException if they differ
     */
    static int stageTasks(BarrierTaskContext ctx, int partition, long[] offsets) {
        int tasks = ctx.numPartitions();
        if (tasks != offsets.length) {
            throw new IllegalStateException("barrier task of partition " + partition + ": the stage has " + tasks
                    + " tasks, the data " + offsets.length + " partitions");
        }
        return tasks;
    }
}
