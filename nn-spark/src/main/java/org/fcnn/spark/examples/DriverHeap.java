// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.examples;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;

/**
 * The driver's used heap after a full GC, sampled on every {@code every}-th job's end (a listener on Spark's
 * listener bus): the demo's evidence that the driver's memory during training does not grow with the data. Only
 * meaningful when the executors run in other JVMs ({@code local-cluster} or a cluster); in {@code local} mode the
 * driver's heap also holds the executor's cached blocks.
 */
final class DriverHeap extends SparkListener {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private final int every;
    private long jobs;
    private long samples;
    private double maxMiB;
    private double firstMiB = Double.NaN;

    private DriverHeap(int every) {
        this.every = every;
    }

    /** Registers a sampler on {@code sc}, sampling after every {@code every}-th job. */
    static DriverHeap watch(SparkContext sc, int every) {
        DriverHeap h = new DriverHeap(every);
        sc.addSparkListener(h);
        return h;
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        if (jobs++ % every != 0) {
            return;
        }
        System.gc();
        double mib = MEMORY.getHeapMemoryUsage().getUsed() / 1048576.0;
        if (samples++ == 0) {
            firstMiB = mib;
        }
        maxMiB = Math.max(maxMiB, mib);
    }

    synchronized double maxMiB() {
        return maxMiB;
    }

    synchronized long samples() {
        return samples;
    }

    /** The first sample: after the first job (the data's load), before training. */
    synchronized double firstMiB() {
        return firstMiB;
    }
}
