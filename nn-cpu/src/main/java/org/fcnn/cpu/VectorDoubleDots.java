// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha A B^T + beta C} for an A of at most {@link #MAX_ROWS} rows on the Vector API, as dot
 * products of A's rows with B's rows (both contiguous: {@code A [m x k]}, {@code B [n x k]}), four rows of B
 * at a time. This is a forward pass {@code X W^T} for one sample or a few: {@link VectorDoubleGemm}'s packed
 * path would copy all of {@code W^T} into panels for each call, which costs more than the arithmetic when A
 * has so few rows (784-256-10 for one sample: the packing was most of the call), while here every weight is
 * read once per row of A, straight from W.
 *
 * <p>Each dot product runs in vector lanes ({@code p} = lane mod the vector length), the lanes are then
 * stored and added in order, lane 0 first, and the elements past the last whole vector are added after them,
 * so a result is the same bits whether the JIT compiled the loop or not (the Vector API's own lane reduction
 * leaves the order open). Written like the micro-kernels: the vector loop is a small method of its own with
 * no branch inside, so that C2 compiles it to vector code. Loaded only with the Vector API kernels.
 */
final class VectorDoubleDots {
    /** The most rows of A for which {@link VectorDoubleGemm} takes this path instead of packing. */
    static final int MAX_ROWS = 4;

    private static final VectorSpecies<Double> S = VectorShapes.doubleSpecies();
    private static final int L = S.length();
    /**
     * The shortest rows for which a tiny product (see {@link CpuThreads#SMALL_WORK}) runs here rather than as
     * scalar loops: two vectors. The 256 -> 10 output layer of a 784-256-10 network for one sample took
     * about 2.5 us as ten scalar chains of 256 additions, against about 0.3 us as dot products.
     */
    static final int MIN_TINY_K = 2 * L;

    private VectorDoubleDots() {
    }

    /** Elements of scratch that {@link #gemm} needs. */
    static int scratchSize() {
        return 4 * L;
    }

    /**
     * {@code C [m x n] (ldc) = alpha A [m x k] (lda) B^T + beta C}, {@code B [n x k]} (ldb); with
     * {@code beta == 0} C's old contents are ignored. {@code t} holds at least {@link #scratchSize()} elements.
     */
    static void gemm(int m, int n, int k, double alpha, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc, double[] t) {
        int kv = k - k % L;
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            int ci = cOff + i * ldc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int bj = bOff + j * ldb;
                dots4(a, ai, b, bj, ldb, kv, t);
                for (int q = 0; q < 4; q++) {
                    double sum = 0;
                    for (int l = q * L, e = l + L; l < e; l++) {
                        sum += t[l];
                    }
                    int bq = bj + q * ldb;
                    for (int p = kv; p < k; p++) {
                        sum += a[ai + p] * b[bq + p];
                    }
                    int cq = ci + j + q;
                    c[cq] = beta == 0 ? alpha * sum : alpha * sum + beta * c[cq];
                }
            }
            for (; j < n; j++) {
                int bj = bOff + j * ldb;
                dot1(a, ai, b, bj, kv, t);
                double sum = 0;
                for (int l = 0; l < L; l++) {
                    sum += t[l];
                }
                for (int p = kv; p < k; p++) {
                    sum += a[ai + p] * b[bj + p];
                }
                int cj = ci + j;
                c[cj] = beta == 0 ? alpha * sum : alpha * sum + beta * c[cj];
            }
        }
    }

    /** The lane sums of row {@code ai} of A with rows {@code b0, b0 + ldb, ...} (four) of B over {@code [0, kv)}, into {@code t[0, 4L)}. */
    private static void dots4(double[] a, int ai, double[] b, int b0, int ldb, int kv, double[] t) {
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        DoubleVector s0 = DoubleVector.zero(S);
        DoubleVector s1 = DoubleVector.zero(S);
        DoubleVector s2 = DoubleVector.zero(S);
        DoubleVector s3 = DoubleVector.zero(S);
        for (int p = 0; p < kv; p += L) {
            DoubleVector x = DoubleVector.fromArray(S, a, ai + p);
            s0 = DoubleVector.fromArray(S, b, b0 + p).fma(x, s0);
            s1 = DoubleVector.fromArray(S, b, b1 + p).fma(x, s1);
            s2 = DoubleVector.fromArray(S, b, b2 + p).fma(x, s2);
            s3 = DoubleVector.fromArray(S, b, b3 + p).fma(x, s3);
        }
        s0.intoArray(t, 0);
        s1.intoArray(t, L);
        s2.intoArray(t, 2 * L);
        s3.intoArray(t, 3 * L);
    }

    /** The lane sums of row {@code ai} of A with row {@code b0} of B over {@code [0, kv)}, into {@code t[0, L)}. */
    private static void dot1(double[] a, int ai, double[] b, int b0, int kv, double[] t) {
        DoubleVector s = DoubleVector.zero(S);
        for (int p = 0; p < kv; p += L) {
            s = DoubleVector.fromArray(S, b, b0 + p).fma(DoubleVector.fromArray(S, a, ai + p), s);
        }
        s.intoArray(t, 0);
    }
}
