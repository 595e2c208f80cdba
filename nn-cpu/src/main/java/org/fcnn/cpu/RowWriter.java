// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * {@link CpuBackend#doWriteRows}: rows of a row-major table copied into a matrix, each checked for NaN and
 * infinities before it is copied (it is in L1 for the copy then), in pieces of {@value #PIECE_ROWS} rows that the
 * calling thread and the {@link WorkerPool} workers claim one at a time where the batch is large enough to
 * share. A mini-batch's rows are scattered over the table (a shuffled epoch), so the copy waits on memory more
 * than it computes, and two threads fetch twice the rows at once; the second core is idle at that point of a
 * training step anyway. Holds the current call in fields so that handing it to the pool allocates nothing; used
 * by one thread at a time, like its backend.
 *
 * <p>Call order: {@link #write} once per call; the pool calls {@link #start}, {@link #run}, {@link #done} and
 * {@link #failure} within it.
 */
final class RowWriter implements WorkerPool.Job {
    /** Rows per piece claimed. */
    static final int PIECE_ROWS = 16;
    /** Elements from which a call is shared between threads (a batch of 64 Fashion-MNIST rows is 50,176). */
    static final int SHARED_ELEMENTS = 1 << 15;

    private final CpuThreads threads;
    /** The current call's pieces, as the threads claim them. */
    private final Claims claims = new Claims();
    private CpuMatrix dst;
    private float[] table;
    private int[] order;
    private int start;
    private int rows;
    private int cols;
    private int pieces;

    RowWriter(CpuThreads threads) {
        this.threads = threads;
    }

    /** Writes rows {@code order[start, start + dst.rows())} (or from {@code start} on, order null) of {@code table}. */
    void write(CpuMatrix dst, float[] table, int[] order, int start) {
        int rows = dst.rows();
        int cols = dst.cols();
        int pieces = (rows + PIECE_ROWS - 1) / PIECE_ROWS;
        if (threads.count() > 1 && pieces > 1 && (long) rows * cols >= SHARED_ELEMENTS) {
            this.dst = dst;
            this.table = table;
            this.order = order;
            this.start = start;
            this.rows = rows;
            this.cols = cols;
            this.pieces = pieces;
            boolean ran = threads.pool().tryRun(this, Math.min(pieces, threads.count()) - 1);
            this.dst = null;
            this.table = null;
            this.order = null;
            if (ran) {
                return;
            }
        }
        copy(dst, table, order, start, cols, 0, rows);
    }

    @Override
    public void start() {
        claims.publish(pieces);
    }

    @Override
    public void run(int thread) {
        for (int piece = claims.claim(); piece >= 0; piece = claims.claim()) {
            try {
                int from = piece * PIECE_ROWS;
                copy(dst, table, order, start, cols, from, Math.min(rows, from + PIECE_ROWS));
            } catch (RuntimeException e) {
                claims.fail(e);
            } finally {
                claims.finish();
            }
        }
    }

    @Override
    public boolean done() {
        return claims.done();
    }

    @Override
    public Throwable failure() {
        return claims.failure();
    }

    /** Rows {@code [from, to)} of {@code dst}. */
    private static void copy(CpuMatrix dst, float[] table, int[] order, int start, int cols, int from, int to) {
        for (int i = from; i < to; i++) {
            int r = order == null ? start + i : order[start + i];
            if (!CpuBackend.allFiniteRow(table, r * cols, cols)) {
                throw CpuBackend.notFiniteRowOf(dst, table, r, cols);
            }
            dst.copyIn(table, r * cols, i * cols, cols);
        }
    }
}
