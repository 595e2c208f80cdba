// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * A double64 matrix product on row-major arrays with offsets, in the manner of BLAS {@code dgemm}:
 * {@code C [m x n] = alpha op(A) [m x k] op(B) [k x n] + beta C}, where {@code op(A)} starts at
 * {@code a[aOff]} with row stride {@code lda} ({@code A} is {@code [k x m]} when transposed), likewise
 * {@code B}, and {@code C} starts at {@code c[cOff]} with row stride {@code ldc}. With {@code beta == 0}
 * C's old contents are ignored. Arguments are trusted. One call runs on the calling thread;
 * {@link DoubleGemmRunner} splits a product between threads by calling it on blocks of C.
 */
interface DoubleGemm {
    /** Blocks of C handed to different threads start at multiples of this many rows. */
    int rowAlign();

    /** Blocks of C handed to different threads start at multiples of this many columns. */
    int colAlign();

    /**
     * Whether a product of these arguments packs A: a product that reads A in place is better split over
     * threads by columns, so that no thread packs what another packs too.
     */
    default boolean packsA(boolean transA, int n, double alpha) {
        return true;
    }

    /**
     * Whether this kernel runs a product of so few rows of A against {@code B^T} as dot products straight
     * from B, where the scalar loops of a tiny product ({@link SmallDoubleGemm}) would run {@code n}
     * chains of {@code k} dependent additions: then {@link DoubleGemmRunner} sends even a tiny product here.
     */
    default boolean dotsFor(boolean transA, boolean transB, int m, int k) {
        return false;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
              double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
              double beta, double[] c, int cOff, int ldc, Scratch scratch);

    /** {@code C [m x n] *= beta} for {@code beta} other than 0 and 1; 0 clears (ignoring NaN), 1 does nothing. */
    static void scale(double[] c, int cOff, int ldc, int m, int n, double beta) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int o = cOff + i * ldc;
            if (beta == 0) {
                java.util.Arrays.fill(c, o, o + n, 0);
            } else {
                for (int j = o; j < o + n; j++) {
                    c[j] *= beta;
                }
            }
        }
    }
}
