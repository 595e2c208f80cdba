package org.fcnn.cpu;

/**
 * The double64 product in plain Java, for when the Vector API is not enabled: op(B) is packed in blocks of
 * {@code KC x NC}, one array per row (so that C2's vectoriser, which needs the loads of one loop to be
 * mutually aligned, sees each B row at index {@code j}), and each row of C takes four rank-1 updates per pass
 * ({@code C[i][j] += a0 B[p][j] + a1 B[p+1][j] + a2 B[p+2][j] + a3 B[p+3][j]}), a loop over contiguous
 * {@code j} that C2 vectorises on its own. About a seventh of the Vector API kernel's speed (C2 neither fuses multiply-adds nor keeps a register tile).
 */
final class PlainDoubleGemm implements DoubleGemm {
    private static final int KC = 256;
    private static final int NC = 512;

    @Override
    public int rowAlign() {
        return 4;
    }

    @Override
    public int colAlign() {
        return 64;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc, Scratch scratch) {
        DoubleGemm.scale(c, cOff, ldc, m, n, beta);
        double[][] bp = scratch.doubleRows(Math.min(KC, k), Math.min(NC, n));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp);
                // op(A)[i][p] is a[aOff + i * si + p * sp]
                int si = transA ? 1 : lda;
                int sp = transA ? lda : 1;
                for (int i = 0; i < m; i++) {
                    int ci = cOff + i * ldc + jc;
                    int ai = aOff + i * si + pc * sp;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4) {
                        double a0 = alpha * a[ai + p * sp];
                        double a1 = alpha * a[ai + (p + 1) * sp];
                        double a2 = alpha * a[ai + (p + 2) * sp];
                        double a3 = alpha * a[ai + (p + 3) * sp];
                        double[] b0 = bp[p];
                        double[] b1 = bp[p + 1];
                        double[] b2 = bp[p + 2];
                        double[] b3 = bp[p + 3];
                        for (int j = 0; j < nc; j++) {
                            c[ci + j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
                        }
                    }
                    for (; p < kc; p++) {
                        double a0 = alpha * a[ai + p * sp];
                        double[] b0 = bp[p];
                        for (int j = 0; j < nc; j++) {
                            c[ci + j] += a0 * b0[j];
                        }
                    }
                }
            }
        }
    }

    /** Packs {@code op(B)[pc.., jc..]} ({@code kc x nc}) into {@code bp[p][j]}. */
    private static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                              double[][] bp) {
        if (transB) {
            for (int j = 0; j < nc; j++) {
                int src = bOff + (jc + j) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    bp[p][j] = b[src + p];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, bOff + (pc + p) * ldb + jc, bp[p], 0, nc);
            }
        }
    }
}
