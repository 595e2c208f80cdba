// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool of daemon threads that help the calling thread with one job, without allocating:
 * {@link #tryRun} wakes {@code helpers} workers, runs the job itself as thread 0 and waits until the job
 * says it is done. A job hands out its pieces dynamically (an atomic counter), so a worker that the
 * operating system is slow to schedule only does less of the work, and a worker that wakes after the job
 * is over finds nothing left to claim. Workers spin briefly for the next job (jobs in a training loop come microseconds apart), then
 * park. One job at a time: a caller that finds the pool busy (another backend on another thread) is told
 * so and runs its job alone, so the pool never blocks and never deadlocks.
 */
final class WorkerPool {
    /** Work that threads claim piece by piece. */
    interface Job {
        /**
         * Publishes the job's pieces; called by the pool once it is reserved for this job, before any thread
         * runs it. Until then a worker that wakes late finds nothing to claim.
         */
        void start();

        /** Claims and computes pieces until none is left; {@code thread} indexes per-thread scratch memory. */
        void run(int thread);

        /** Whether every piece has been computed. */
        boolean done();

        /** The first failure of a piece, or null. */
        Throwable failure();
    }

    private static final int SPINS = 1 << 15;
    private static WorkerPool shared;

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Job job;

    private WorkerPool(int threads) {
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /**
     * The process-wide pool with at least {@code threads} threads. It starts with one thread per core; a
     * request for more makes a bigger pool that later requests share (the old one stays usable by whoever
     * holds it, its workers parked).
     */
    static synchronized WorkerPool atLeast(int threads) {
        if (shared == null || shared.threads() < threads) {
            shared = new WorkerPool(Math.max(threads, Runtime.getRuntime().availableProcessors()));
        }
        return shared;
    }

    /** Threads including the caller's. */
    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code job} on the calling thread (as thread 0) and {@code helpers < threads()} workers (threads
     * {@code 1..helpers}) and returns when it is done; returns {@code false} without running anything if the
     * pool is busy with another caller.
     */
    boolean tryRun(Job job, int helpers) {
        if (helpers >= threads()) {
            throw new IllegalArgumentException(helpers + " helpers for " + threads() + " threads");
        }
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            job.start();
            this.job = job;
            for (int w = 0; w < helpers; w++) {
                workers[w].signal();
            }
            job.run(0);
            for (int spins = 0; !job.done(); spins++) {
                if (spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            Throwable t = job.failure();
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            if (t instanceof Error) {
                throw (Error) t;
            }
            return true;
        } finally {
            busy.set(false);
        }
    }

    /** One daemon thread; runs part {@code index} of every job it is signalled for. */
    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile int ticket;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "fcnn-cpu-" + index);
            thread.setDaemon(true);
        }

        /** Called by the job's owner only. */
        void signal() {
            ticket++;
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public void run() {
            int seen = 0;
            while (true) {
                int spins = 0;
                while (ticket == seen) {
                    if (spins++ < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (ticket == seen) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                seen = ticket;
                Job current = job;
                if (current != null) {
                    current.run(index);
                }
            }
        }
    }
}
