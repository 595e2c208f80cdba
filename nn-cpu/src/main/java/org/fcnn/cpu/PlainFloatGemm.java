package org.fcnn.cpu;

/**
 * The float32 product in plain Java, for when the Vector API is not enabled: op(B) is packed in row-major
 * blocks of {@code KC x NC}, and each row of C takes four rank-1 updates per pass
 * ({@code C[i][j] += a0 B[p][j] + a1 B[p+1][j] + a2 B[p+2][j] + a3 B[p+3][j]}), a loop over contiguous
 * {@code j} that C2 vectorises on its own. About a quarter of the Vector API kernel's speed.
 */
final class PlainFloatGemm implements FloatGemm {
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
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        FloatGemm.scale(c, cOff, ldc, m, n, beta);
        float[] bp = scratch.floats(1, KC * Math.min(NC, n));
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
                        float a0 = alpha * a[ai + p * sp];
                        float a1 = alpha * a[ai + (p + 1) * sp];
                        float a2 = alpha * a[ai + (p + 2) * sp];
                        float a3 = alpha * a[ai + (p + 3) * sp];
                        int b0 = p * nc;
                        int b1 = b0 + nc;
                        int b2 = b1 + nc;
                        int b3 = b2 + nc;
                        for (int j = 0; j < nc; j++) {
                            c[ci + j] += a0 * bp[b0 + j] + a1 * bp[b1 + j] + a2 * bp[b2 + j] + a3 * bp[b3 + j];
                        }
                    }
                    for (; p < kc; p++) {
                        float a0 = alpha * a[ai + p * sp];
                        int b0 = p * nc;
                        for (int j = 0; j < nc; j++) {
                            c[ci + j] += a0 * bp[b0 + j];
                        }
                    }
                }
            }
        }
    }

    /** Packs {@code op(B)[pc.., jc..]} ({@code kc x nc}) row-major into {@code bp}. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                              float[] bp) {
        if (transB) {
            for (int j = 0; j < nc; j++) {
                int src = bOff + (jc + j) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    bp[p * nc + j] = b[src + p];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(b, bOff + (pc + p) * ldb + jc, bp, p * nc, nc);
            }
        }
    }
}
