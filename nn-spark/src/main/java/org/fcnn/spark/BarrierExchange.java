// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.concurrent.locks.LockSupport;
import org.apache.spark.BarrierTaskContext;

/**
 * {@code BarrierTaskContext.allGather} for a task that calls it once per step, without Spark's one-second
 * polling.
 *
 * <p>Why: Spark (3.5.7, and its master branch as of this writing) waits for the coordinator's reply in
 * {@code BarrierTaskContext.runBarrier} with {@code while (!future.isCompleted) Thread.sleep(1000)}, so every task
 * whose reply is not in by the time it first looks, that is nearly every task, sleeps a whole second per call. The
 * loop catches {@code InterruptedException} and then only checks whether the task was killed, so a thread that
 * interrupts the task thread ends the sleep early: while the task is inside {@link #allGather}, a daemon thread
 * ("waker") interrupts it every {@code periodNanos}, and the call returns within about that period of the reply.
 * No interrupt reaches the task outside the call: the waker interrupts only under a lock while the task is inside,
 * and on the way out the task leaves under the same lock and clears its interrupt flag. A kill by Spark still
 * works: Spark sets the kill reason before it interrupts, the polling loop throws {@code TaskKilledException},
 * and {@link #allGather} checks the reason again after clearing the flag.
 *
 * <p>Call order: create on the task's thread, {@link #allGather} once per step, {@link #close()} at the end. With a
 * period of 0 no waker starts (Spark's own polling).
 */
final class BarrierExchange implements AutoCloseable {
    private final BarrierTaskContext context;
    private final Thread task;
    private final long periodNanos;
    private final Object lock = new Object();
    private final Thread waker;
    private boolean inside;
    private boolean closed;

    BarrierExchange(BarrierTaskContext context, long periodNanos) {
        if (periodNanos < 0) {
            throw new IllegalArgumentException("waker period must be >= 0 ns, got " + periodNanos);
        }
        this.context = context;
        this.task = Thread.currentThread();
        this.periodNanos = periodNanos;
        if (periodNanos > 0) {
            waker = new Thread(this::wake, "fcnn-barrier-waker-" + context.partitionId());
            waker.setDaemon(true);
            waker.start();
        } else {
            waker = null;
        }
    }

    /** All tasks' messages, as {@code BarrierTaskContext.allGather} returns them. Call on the task's thread. */
    String[] allGather(String message) {
        if (Thread.currentThread() != task) {
            throw new IllegalStateException("allGather from " + Thread.currentThread() + ", not the task's thread");
        }
        synchronized (lock) {
            inside = true;
            lock.notifyAll();
        }
        try {
            return context.allGather(message);
        } finally {
            synchronized (lock) {
                inside = false;
            }
            Thread.interrupted(); // a waker interrupt that came after the reply; none can follow now
            context.killTaskIfInterrupted();
        }
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
        java.util.Arrays.fill(byPartition, null);
        for (String m : all) {
            int p = reader.peek(m).partition();
            if (p < 0 || p >= partitions || byPartition[p] != null || reader.step() != step) {
                throw new IllegalStateException("step " + step + ": unexpected message from partition " + p
                        + " for step " + reader.step() + " (" + partitions + " partitions)");
            }
            byPartition[p] = m;
        }
    }

    private void wake() {
        try {
            while (true) {
                synchronized (lock) {
                    while (!inside && !closed) {
                        lock.wait();
                    }
                    if (closed) {
                        return;
                    }
                    task.interrupt();
                }
                LockSupport.parkNanos(periodNanos);
            }
        } catch (InterruptedException e) {
            // closed from outside: stop
        }
    }

    @Override
    public void close() {
        if (waker == null) {
            return;
        }
        synchronized (lock) {
            closed = true;
            inside = false;
            lock.notifyAll();
        }
        try {
            waker.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
