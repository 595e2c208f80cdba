// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * The float32 product for tiny matrices (the tutorial's 2 x 2 layers): straight loops over the
 * definition, no packing, no threads, nothing to set up, so a call costs little more than its arithmetic.
 * Each transpose case has its own loop nest, ordered so that the innermost loop walks memory with stride 1
 * wherever the layout allows (the generic strided loop cost some 10 ns per 2 x 2 x 2 product).
 */
final class SmallFloatGemm implements FloatGemm {
    @Override
    public int rowAlign() {
        return 1;
    }

    @Override
    public int colAlign() {
        return 1;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        if (!transA && transB) {
            dots(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else if (!transA) {
            rowsTimesB(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else if (!transB) {
            outerProducts(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            general(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** {@code C = alpha A B^T + beta C}: each element a dot product of a row of A and a row of B. */
    private static void dots(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                             int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * ldb;
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[ai + p] * b[bj + p];
                }
                c[ci + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci + j];
            }
        }
    }

    /** {@code C = alpha A B + beta C}: row i of C accumulates {@code A[i][p] * } row p of B. */
    private static void rowsTimesB(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b,
                                   int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            scaleRow(c, ci, n, beta);
            for (int p = 0; p < k; p++) {
                float x = alpha * a[aOff + i * lda + p];
                int bp = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += x * b[bp + j];
                }
            }
        }
    }

    /** {@code C = alpha A^T B + beta C}: the sum over p of the outer products of row p of A and row p of B. */
    private static void outerProducts(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b,
                                      int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            scaleRow(c, cOff + i * ldc, n, beta);
        }
        for (int p = 0; p < k; p++) {
            int ap = aOff + p * lda;
            int bp = bOff + p * ldb;
            for (int i = 0; i < m; i++) {
                float x = alpha * a[ap + i];
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += x * b[bp + j];
                }
            }
        }
    }

    /** {@code C = alpha A^T B^T + beta C}, straight from the definition (no network uses this case). */
    private static void general(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b,
                                int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * ldb;
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[aOff + p * lda + i] * b[bj + p];
                }
                c[ci + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci + j];
            }
        }
    }

    /** {@code c[from, from + n) *= beta}; with {@code beta == 0} it is zeroed, old contents (even NaN) ignored. */
    private static void scaleRow(float[] c, int from, int n, float beta) {
        if (beta == 0) {
            java.util.Arrays.fill(c, from, from + n, 0);
        } else if (beta != 1) {
            for (int j = from; j < from + n; j++) {
                c[j] *= beta;
            }
        }
    }
}
