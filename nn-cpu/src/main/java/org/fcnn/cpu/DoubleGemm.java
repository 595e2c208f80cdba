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

    /**
     * The most elements of an operand that a threaded product packs whole for all its bands ({@link #packA},
     * {@link #packB}); a larger one each band packs block by block itself ({@link CacheBlocks#shared}). Only
     * consulted where {@link #packedASize} or {@link #packedBSize} is positive.
     */
    default int sharedLimit() {
        return 0;
    }

    /**
     * Elements of {@code alpha op(A) [m x k]} packed whole by {@link #packA}, for a product of these arguments
     * whose bands of columns all read the same A; 0 where this kernel does not pack A ahead for it (then
     * {@link #packA} and {@link #gemmPackedA} are not called).
     */
    default int packedASize(boolean transA, boolean transB, int m, int k) {
        return 0;
    }

    /**
     * Packs {@code alpha op(A) [m x k]} whole into {@code ap[0, packedASize(transA, transB, m, k))}, block by block in the layout
     * that {@link #gemmPackedA} reads. Call order: this once, then {@link #gemmPackedA} for any bands of C's
     * columns, from any threads that see {@code ap} after it was written.
     */
    default void packA(boolean transA, int m, int k, double alpha, double[] a, int aOff, int lda, double[] ap) {
        throw new UnsupportedOperationException("this kernel does not pack A ahead");
    }

    /**
     * {@code C [m x n] = Ap op(B) [k x n] + beta C} with {@code Ap} as {@link #packA} left it (alpha applied
     * there): the same results, bit for bit, as {@link #gemm} of the same arguments.
     */
    default void gemmPackedA(int m, int n, int k, double[] ap, boolean transB, double[] b, int bOff, int ldb,
                             double beta, double[] c, int cOff, int ldc, Scratch scratch) {
        throw new UnsupportedOperationException("this kernel does not pack A ahead");
    }

    /**
     * Elements of {@code op(B) [k x n]} packed whole by {@link #packB}, for a product of these arguments whose
     * bands of rows all read the same B; 0 where this kernel does not pack B ahead for it (then {@link #packB} and
     * {@link #gemmPackedB} are not called).
     */
    default int packedBSize(boolean transA, boolean transB, int m, int n, int k) {
        return 0;
    }

    /**
     * Packs {@code op(B) [k x n]} whole into {@code bp[0, packedBSize(transA, transB, m, n, k))}, block by block in
     * the layout that {@link #gemmPackedB} reads. Call order: this once, then {@link #gemmPackedB} for any bands of
     * C's rows, from any threads that see {@code bp} after it was written.
     */
    default void packB(boolean transB, int n, int k, double[] b, int bOff, int ldb, double[] bp) {
        throw new UnsupportedOperationException("this kernel does not pack B ahead");
    }

    /**
     * {@code C [m x n] = alpha op(A) [m x k] Bp + beta C} with {@code Bp} as {@link #packB} left it: the same
     * results, bit for bit, as {@link #gemm} of the same arguments.
     */
    default void gemmPackedB(boolean transA, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                             double[] bp, double beta, double[] c, int cOff, int ldc, Scratch scratch) {
        throw new UnsupportedOperationException("this kernel does not pack B ahead");
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
