package org.fcnn.cpu;

/**
 * Runs a double64 product {@code C [m x n] = alpha op(A) [m x k] op(B) [k x n] + beta C} (C contiguous,
 * {@code ldc = n}) with the right kernel and number of threads: tiny products through
 * {@link SmallDoubleGemm} on the calling thread; small ones through the blocked kernel on the calling
 * thread; larger ones split into bands of C (by columns when C is at least as wide as tall, else by rows,
 * aligned to the kernel's tiles) that the {@link WorkerPool} computes side by side, each thread with its own
 * {@link Scratch}. Holds the current product in fields so that handing it to the pool allocates nothing;
 * used by one thread at a time, like its backend.
 */
final class DoubleGemmRunner implements WorkerPool.Job {
    private static final DoubleGemm SMALL = new SmallDoubleGemm();

    private final DoubleGemm blocked;
    private final Scratch[] scratch;
    private final CpuThreads threads;

    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private double alpha;
    private double beta;
    private double[] a;
    private int lda;
    private double[] b;
    private int ldb;
    private double[] c;
    private boolean byColumns;

    DoubleGemmRunner(DoubleGemm blocked, Scratch[] scratch, CpuThreads threads) {
        this.blocked = blocked;
        this.scratch = scratch;
        this.threads = threads;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
              double[] b, int ldb, double beta, double[] c) {
        long work = (long) m * n * k;
        if (work <= CpuThreads.SMALL_WORK) {
            SMALL.gemm(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n, null);
            return;
        }
        boolean cols = n >= m;
        int units = cols ? ceilDiv(n, blocked.colAlign()) : ceilDiv(m, blocked.rowAlign());
        int parts = threads.partsFor(work, units);
        if (parts > 1) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.a = a;
            this.lda = lda;
            this.b = b;
            this.ldb = ldb;
            this.c = c;
            this.byColumns = cols;
            boolean ran = threads.pool().tryRun(this, parts);
            this.a = null;
            this.b = null;
            this.c = null;
            if (ran) {
                return;
            }
        }
        blocked.gemm(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, n, scratch[0]);
    }

    @Override
    public void run(int part, int parts) {
        int align = byColumns ? blocked.colAlign() : blocked.rowAlign();
        int extent = byColumns ? n : m;
        int units = ceilDiv(extent, align);
        int from = Math.min(extent, (int) ((long) units * part / parts) * align);
        int to = Math.min(extent, (int) ((long) units * (part + 1) / parts) * align);
        if (from >= to) {
            return;
        }
        if (byColumns) {
            blocked.gemm(transA, transB, m, to - from, k, alpha, a, 0, lda, b, transB ? from * ldb : from, ldb,
                    beta, c, from, n, scratch[part]);
        } else {
            blocked.gemm(transA, transB, to - from, n, k, alpha, a, transA ? from : from * lda, lda, b, 0, ldb,
                    beta, c, from * n, n, scratch[part]);
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
