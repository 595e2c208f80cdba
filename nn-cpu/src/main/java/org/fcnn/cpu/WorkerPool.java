package org.fcnn.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fixed pool of daemon threads that run the parts of one job side by side with the calling thread,
 * without allocating: {@link #tryRun} hands part {@code 1..parts-1} to workers, runs part 0 itself and
 * waits. Workers spin briefly for the next job (jobs in a training loop come microseconds apart), then
 * park. One job at a time: a caller that finds the pool busy (another backend on another thread) is told
 * so and runs its job alone, so the pool never blocks and never deadlocks.
 */
final class WorkerPool {
    /** Work split into {@code parts} independent pieces; {@code part} is in {@code [0, parts)}. */
    interface Job {
        void run(int part, int parts);
    }

    private static final int SPINS = 1 << 15;
    private static WorkerPool shared;

    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Job job;
    private volatile int parts;
    private volatile Throwable failure;

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
     * Runs {@code job} in {@code parts <= threads()} pieces, part 0 on the calling thread, and returns when
     * all are done; returns {@code false} without running anything if the pool is busy with another caller.
     */
    boolean tryRun(Job job, int parts) {
        if (parts > threads()) {
            throw new IllegalArgumentException(parts + " parts for " + threads() + " threads");
        }
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            this.job = job;
            this.parts = parts;
            this.failure = null;
            remaining.set(parts - 1);
            for (int w = 0; w < parts - 1; w++) {
                workers[w].signal();
            }
            Throwable own = null;
            try {
                job.run(0, parts);
            } catch (Throwable t) {
                own = t;
            }
            for (int spins = 0; remaining.get() != 0; spins++) {
                if (spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.job = null;
            Throwable t = own != null ? own : failure;
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
                try {
                    job.run(index, parts);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    remaining.decrementAndGet();
                }
            }
        }
    }
}
