// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * Runs a double64 product {@code C [m x n] = alpha op(A) [m x k] op(B) [k x n] + beta C} (C contiguous,
 * {@code ldc = n}) with the right kernel and number of threads: tiny products through
 * {@link SmallDoubleGemm} on the calling thread (or the kernel's dot products, {@link DoubleGemm#dotsFor});
 * small ones through the blocked kernel on the calling thread; larger ones split into bands of C (by columns when C is at least as wide as tall, else by rows,
 * aligned to the kernel's tiles, one per thread, or {@link #FINE_BANDS_PER_THREAD} where no band packs what another packs too) that the calling thread and {@link WorkerPool} workers
 * claim one at a time, each thread with its own {@link Scratch}. Bands of columns that would each pack the same A
 * (bands of rows the same B) share one copy instead, if it takes at most half of L2 ({@link CacheBlocks#shared}),
 * which the calling thread packs whole before handing out the bands ({@link DoubleGemm#packA}, {@link DoubleGemm#packB}). A product whose C is much narrower than the
 * kernel's tile (an output layer of 10 against tiles 64 columns wide) is computed transposed, the narrow
 * side as the tile's rows, into scratch slot 3, then transposed into C. One band per thread where each band
 * packs the whole of the other operand again (a kernel that does not pack ahead): with four per thread,
 * training 784-128-10 at batch 256 on two threads re-packed {@code W^T} eight times per forward pass and ran at
 * 114,000-141,000 samples/s against 150,000-216,000 with one (and 1024^3 products lost some 10%); a thread
 * scheduled late still only does less, as the bands are claimed dynamically. Holds the current product in fields so that handing it to the pool allocates nothing;
 * used by one thread at a time, like its backend.
 */
final class DoubleGemmRunner implements WorkerPool.Job {
    private static final DoubleGemm SMALL = new SmallDoubleGemm();
    /**
     * Bands per thread where no band packs what another does (A read in place, as in the forward pass, or the
     * operand all bands read packed once for all of them): training 784-128-10 at batch 256 on two threads, 25 windows
     * of 200 ms alternated in one JVM on an AMD EPYC Zen 3 (AVX2), ran 1.03x as fast (median of the per-window
     * ratios; quartiles 0.98-1.13) with four bands per thread as with one where A is read in place; with the weight
     * gradient's A packed once and four bands per thread there too, 1.09x (quartiles 1.02-1.18; 784-1024-10 1.07x,
     * 0.97-1.13; double64 1024^3 on two threads 0.99x, 0.95-1.01), 12-16 windows alternated between two JVMs
     * ({@code nn-bench/ab.py}, docs/BENCHMARKS.md).
     */
    private static final int FINE_BANDS_PER_THREAD = 4;

    private final DoubleGemm blocked;
    private final Scratch[] scratch;
    private final CpuThreads threads;
    /** The most elements of an operand packed once for all bands ({@link DoubleGemm#sharedLimit}). */
    private final int sharedLimit;

    private boolean transA;
    private boolean transB;
    private int m;
    private int n;
    private int k;
    private double alpha;
    private double beta;
    private double[] a;
    private int aOff;
    private int lda;
    private double[] b;
    private int bOff;
    private int ldb;
    private double[] c;
    private boolean byColumns;
    /** A packed whole for all bands ({@link DoubleGemm#packA}), or null where each band packs its own. */
    private double[] packedA;
    /** B packed whole for all bands ({@link DoubleGemm#packB}), or null where each band packs its own. */
    private double[] packedB;
    private int bands;
    /** The current product's bands, as the threads claim them. */
    private final Claims claims = new Claims();

    DoubleGemmRunner(DoubleGemm blocked, Scratch[] scratch, CpuThreads threads) {
        this(blocked, scratch, threads, blocked.sharedLimit());
    }

    /** As above with another limit for an operand packed once for all bands (tests: both ways). */
    DoubleGemmRunner(DoubleGemm blocked, Scratch[] scratch, CpuThreads threads, int sharedLimit) {
        this.blocked = blocked;
        this.scratch = scratch;
        this.threads = threads;
        this.sharedLimit = sharedLimit;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int lda,
              double[] b, int ldb, double beta, double[] c) {
        gemm(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c);
    }

    /** Whether a tiny product of these arguments runs as the kernel's dot products ({@link DoubleGemm#dotsFor}). */
    boolean dotsFor(boolean transA, boolean transB, int m, int k) {
        return blocked.dotsFor(transA, transB, m, k);
    }

    /** As above with {@code op(A)} starting at {@code a[aOff]} and {@code op(B)} at {@code b[bOff]}. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
              double[] b, int bOff, int ldb, double beta, double[] c) {
        long work = (long) m * n * k;
        if (work <= CpuThreads.SMALL_WORK) {
            // On the calling thread: scalar loops, or the kernel's dot products where rows of B^T are long.
            DoubleGemm tiny = blocked.dotsFor(transA, transB, m, k) ? blocked : SMALL;
            tiny.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, 0, n, scratch[0]);
            return;
        }
        if (transposedPays(m, n)) {
            // C^T = op(B)^T op(A)^T, narrow side as the tile's rows (same products in the same order), then C.
            double[] t = scratch[0].doubles(3, m * n);
            gemm(!transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, 0, t);
            for (int i = 0; i < m; i++) {
                int o = i * n;
                for (int j = 0; j < n; j++) {
                    c[o + j] = beta == 0 ? t[j * m + i] : t[j * m + i] + beta * c[o + j];
                }
            }
            return;
        }
        // Split the wider side; but a product that reads A in place splits by columns: each thread then packs
        // only its share of B (by rows, each would pack all of B: the forward pass of a 784-128 layer did).
        boolean inPlaceA = !blocked.packsA(transA, n, alpha);
        boolean cols = n >= m || inPlaceA;
        int units = cols ? ceilDiv(n, blocked.colAlign()) : ceilDiv(m, blocked.rowAlign());
        int parts = threads.partsFor(work, units);
        if (parts > 1 && split(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, inPlaceA, cols,
                units, parts)) {
            return;
        }
        blocked.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, 0, n, scratch[0]);
    }

    /**
     * The product in bands of {@code parts} (of {@code units} tiles) on the pool's threads, or, where the pool is
     * busy, from an operand already packed on the calling thread; false where nothing ran (the caller then runs it
     * alone). A method of its own, so that {@link #gemm}, which small products and forward contexts call, stays as
     * small for the JIT as before.
     */
    private boolean split(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff,
                          int lda, double[] b, int bOff, int ldb, double beta, double[] c, boolean inPlaceA,
                          boolean cols, int units, int parts) {
        // Bands of columns all read the whole of A, bands of rows the whole of B: where it is not read in place
        // and the copy is small enough to stay near the cores (CacheBlocks.shared), pack it once for all of
        // them; a larger one each band packs block by block, as alone.
        int packedASize = cols && !inPlaceA ? shareable(blocked.packedASize(transA, transB, m, k)) : 0;
        int packedBSize = cols ? 0 : shareable(blocked.packedBSize(transA, transB, m, n, k));
        if (inPlaceA || packedASize > 0 || packedBSize > 0) {
            // No band packs what another does then, so finer bands cost no packing and let a thread that
            // started late (or was slowed) take fewer of them.
            parts = Math.min(units, parts * FINE_BANDS_PER_THREAD);
        }
        double[] sharedA = null;
        double[] sharedB = null;
        if (packedASize > 0) {
            sharedA = scratch[0].doubles(4, packedASize);
            blocked.packA(transA, m, k, alpha, a, aOff, lda, sharedA);
        } else if (packedBSize > 0) {
            sharedB = scratch[0].doubles(5, packedBSize);
            blocked.packB(transB, n, k, b, bOff, ldb, sharedB);
        }
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.c = c;
        this.byColumns = cols;
        this.packedA = sharedA;
        this.packedB = sharedB;
        this.bands = parts;

        boolean ran = threads.pool().tryRun(this, Math.min(parts, threads.count()) - 1); // bands may outnumber threads
        this.a = null;
        this.b = null;
        this.c = null;
        this.packedA = null;
        this.packedB = null;
        if (ran) {
            return true;
        }
        // The pool was busy: the whole product here, from what is packed already.
        if (sharedA != null) {
            blocked.gemmPackedA(m, n, k, sharedA, transB, b, bOff, ldb, beta, c, 0, n, scratch[0]);
            return true;
        }
        if (sharedB != null) {
            blocked.gemmPackedB(transA, m, n, k, alpha, a, aOff, lda, sharedB, beta, c, 0, n, scratch[0]);
            return true;
        }
        return false;
    }

    @Override
    public void start() {
        claims.publish(bands);
    }

    @Override
    public void run(int thread) {
        for (int band = claims.claim(); band >= 0; band = claims.claim()) {
            // The claim holds the product's fields still until it is finished.
            try {
                band(band, bands, scratch[thread]);
            } catch (Throwable t) {
                claims.fail(t);
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

    private void band(int part, int parts, Scratch own) {
        int align = byColumns ? blocked.colAlign() : blocked.rowAlign();
        int extent = byColumns ? n : m;
        int units = ceilDiv(extent, align);
        int from = Math.min(extent, (int) ((long) units * part / parts) * align);
        int to = Math.min(extent, (int) ((long) units * (part + 1) / parts) * align);
        if (from >= to) {
            return;
        }
        if (packedA != null) {
            blocked.gemmPackedA(m, to - from, k, packedA, transB, b, bOff + (transB ? from * ldb : from), ldb,
                    beta, c, from, n, own);
        } else if (packedB != null) {
            blocked.gemmPackedB(transA, to - from, n, k, alpha, a, aOff + (transA ? from : from * lda), lda, packedB,
                    beta, c, from * n, n, own);
        } else if (byColumns) {
            blocked.gemm(transA, transB, m, to - from, k, alpha, a, aOff, lda, b, bOff + (transB ? from * ldb : from), ldb,
                    beta, c, from, n, own);
        } else {
            blocked.gemm(transA, transB, to - from, n, k, alpha, a, aOff + (transA ? from : from * lda), lda, b, bOff, ldb,
                    beta, c, from * n, n, own);
        }
    }

    /**
     * Whether C is so narrow next to the kernel's tile ({@code n} well under its columns, e.g. an output
     * layer of 10 against 64-column tiles) that computing the product transposed, with {@code n} as the
     * tile's rows, does less padded work even after transposing the result back.
     */
    private boolean transposedPays(int m, int n) {
        long padded = (long) roundUp(m, blocked.rowAlign()) * roundUp(n, blocked.colAlign());
        long swapped = (long) roundUp(n, blocked.rowAlign()) * roundUp(m, blocked.colAlign()) + (long) m * n;
        return 2 * swapped < padded;
    }

    /** {@code size} where an operand of that many elements is packed once for all bands, else 0. */
    private int shareable(int size) {
        return size <= sharedLimit ? size : 0;
    }

    private static int roundUp(int x, int y) {
        return ceilDiv(x, y) * y;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
