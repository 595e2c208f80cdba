// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pieces of a {@link WorkerPool.Job} that the calling thread and the workers claim one at a time, for jobs that
 * are handed to the pool again and again (a product's bands, a batch's rows). The count of pieces (high 32 bits)
 * and the next piece to claim (low 32 bits) are published together by {@link #publish}; a thread claims a piece by
 * a compare-and-set and only then reads the job's fields, which the owner changes only after every claimed piece is
 * {@linkplain #finish finished}. So a worker that wakes late, after its job is over, finds the cursor exhausted or
 * claims a piece of the job that is current, never one counted against another job's pieces.
 *
 * <p>Call order: {@link #publish} from the job's {@code start()}; in its {@code run()}, {@link #claim} until it
 * returns -1, each piece followed by {@link #finish} (after {@link #fail} if it threw); {@link #done} and
 * {@link #failure} for the pool.
 */
final class Claims {
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    private volatile Throwable failure;
    private int count;

    /** Opens {@code count} pieces, numbered from 0, and forgets the last job's failure. */
    void publish(int count) {
        this.count = count;
        failure = null;
        finished.set(0);
        cursor.set((long) count << 32);
    }

    /** The next piece of the current job, or -1 when every piece is claimed. */
    int claim() {
        while (true) {
            long claim = cursor.get();
            int limit = (int) (claim >>> 32);
            int piece = (int) claim;
            if (piece >= limit) {
                return -1;
            }
            if (cursor.compareAndSet(claim, claim + 1)) {
                return piece;
            }
        }
    }

    /** Records a claimed piece's failure (the last one recorded is reported). */
    void fail(Throwable t) {
        failure = t;
    }

    /** Counts a claimed piece as finished; its thread reads the job's fields no more. */
    void finish() {
        finished.incrementAndGet();
    }

    /** Whether every piece of the current job is finished. */
    boolean done() {
        return finished.get() == count;
    }

    /** A piece's failure, or null. */
    Throwable failure() {
        return failure;
    }
}
