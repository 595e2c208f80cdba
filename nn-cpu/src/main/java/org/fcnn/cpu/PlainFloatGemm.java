// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * The float32 product in plain Java, for when the Vector API is not enabled. op(B) is packed in blocks of
 * {@code KC x NC}, one array per row, and C is worked on {@code RB = 4} rows at a time, each copied into an
 * array of its own. Each of those rows then takes four steps of k per pass over it,
 * {@code t[j] += a0 B[p][j] + a1 B[p+1][j] + a2 B[p+2][j] + a3 B[p+3][j]}, with the four B rows reused by
 * the four C rows while they are in L1. C2's vectoriser (SuperWord) turns that loop into AVX code only when
 * every array in it is indexed by plain {@code j}: with {@code c[ci + j]} (an offset C2 cannot compare with
 * the B arrays' plain {@code j}) it assumes the store may overlap the next loads and leaves the loop scalar,
 * which is what the earlier form of this kernel did (some 11 GFLOP/s, against about 40 now). C2 does not
 * fuse the multiply-adds (Java semantics); separate multiplies and adds use both kinds of floating-point
 * pipes.
 */
final class PlainFloatGemm implements FloatGemm {
    private static final int KC = Integer.getInteger("fcnn.cpu.plainKc", 256);
    private static final int NC = Integer.getInteger("fcnn.cpu.plainNc", 512);
    /** Rows of C per pass. */
    private static final int RB = 4;

    @Override
    public int rowAlign() {
        return RB;
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
        int kcMax = Math.min(KC, k);
        // rows [0, kcMax): the packed B block; rows [kcMax, kcMax + RB): the C rows being updated
        float[][] rows = scratch.floatRows(kcMax + RB, Math.min(NC, n));
        float[] t0 = rows[kcMax];
        float[] t1 = rows[kcMax + 1];
        float[] t2 = rows[kcMax + 2];
        float[] t3 = rows[kcMax + 3];
        // op(A)[i][p] is a[aOff + i * si + p * sp]
        int si = transA ? 1 : lda;
        int sp = transA ? lda : 1;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, rows);
                int i = 0;
                for (; i + RB <= m; i += RB) {
                    int ci = cOff + i * ldc + jc;
                    System.arraycopy(c, ci, t0, 0, nc);
                    System.arraycopy(c, ci + ldc, t1, 0, nc);
                    System.arraycopy(c, ci + 2 * ldc, t2, 0, nc);
                    System.arraycopy(c, ci + 3 * ldc, t3, 0, nc);
                    rows4(a, aOff + i * si + pc * sp, si, sp, alpha, kc, nc, rows, t0, t1, t2, t3);
                    System.arraycopy(t0, 0, c, ci, nc);
                    System.arraycopy(t1, 0, c, ci + ldc, nc);
                    System.arraycopy(t2, 0, c, ci + 2 * ldc, nc);
                    System.arraycopy(t3, 0, c, ci + 3 * ldc, nc);
                }
                for (; i < m; i++) {
                    int ci = cOff + i * ldc + jc;
                    System.arraycopy(c, ci, t0, 0, nc);
                    row1(a, aOff + i * si + pc * sp, sp, alpha, kc, nc, rows, t0);
                    System.arraycopy(t0, 0, c, ci, nc);
                }
            }
        }
    }

    /** Four rows of C ({@code t0..t3}, {@code nc} wide) {@code +=} alpha op(A) rows (from {@code ai}) times the packed B block. */
    private static void rows4(float[] a, int ai, int si, int sp, float alpha, int kc, int nc, float[][] bp,
                              float[] t0, float[] t1, float[] t2, float[] t3) {
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int q0 = ai + p * sp;
            int q1 = q0 + sp;
            int q2 = q1 + sp;
            int q3 = q2 + sp;
            float a00 = alpha * a[q0];
            float a01 = alpha * a[q1];
            float a02 = alpha * a[q2];
            float a03 = alpha * a[q3];
            float a10 = alpha * a[q0 + si];
            float a11 = alpha * a[q1 + si];
            float a12 = alpha * a[q2 + si];
            float a13 = alpha * a[q3 + si];
            float a20 = alpha * a[q0 + 2 * si];
            float a21 = alpha * a[q1 + 2 * si];
            float a22 = alpha * a[q2 + 2 * si];
            float a23 = alpha * a[q3 + 2 * si];
            float a30 = alpha * a[q0 + 3 * si];
            float a31 = alpha * a[q1 + 3 * si];
            float a32 = alpha * a[q2 + 3 * si];
            float a33 = alpha * a[q3 + 3 * si];
            float[] b0 = bp[p];
            float[] b1 = bp[p + 1];
            float[] b2 = bp[p + 2];
            float[] b3 = bp[p + 3];
            for (int j = 0; j < nc; j++) {
                t0[j] += a00 * b0[j] + a01 * b1[j] + a02 * b2[j] + a03 * b3[j];
            }
            for (int j = 0; j < nc; j++) {
                t1[j] += a10 * b0[j] + a11 * b1[j] + a12 * b2[j] + a13 * b3[j];
            }
            for (int j = 0; j < nc; j++) {
                t2[j] += a20 * b0[j] + a21 * b1[j] + a22 * b2[j] + a23 * b3[j];
            }
            for (int j = 0; j < nc; j++) {
                t3[j] += a30 * b0[j] + a31 * b1[j] + a32 * b2[j] + a33 * b3[j];
            }
        }
        for (; p < kc; p++) {
            int q = ai + p * sp;
            float a0 = alpha * a[q];
            float a1 = alpha * a[q + si];
            float a2 = alpha * a[q + 2 * si];
            float a3 = alpha * a[q + 3 * si];
            float[] b0 = bp[p];
            for (int j = 0; j < nc; j++) {
                t0[j] += a0 * b0[j];
            }
            for (int j = 0; j < nc; j++) {
                t1[j] += a1 * b0[j];
            }
            for (int j = 0; j < nc; j++) {
                t2[j] += a2 * b0[j];
            }
            for (int j = 0; j < nc; j++) {
                t3[j] += a3 * b0[j];
            }
        }
    }

    /** One row of C ({@code t}, {@code nc} wide) {@code +=} alpha op(A) row (from {@code ai}) times the packed B block. */
    private static void row1(float[] a, int ai, int sp, float alpha, int kc, int nc, float[][] bp, float[] t) {
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            float a0 = alpha * a[ai + p * sp];
            float a1 = alpha * a[ai + (p + 1) * sp];
            float a2 = alpha * a[ai + (p + 2) * sp];
            float a3 = alpha * a[ai + (p + 3) * sp];
            float[] b0 = bp[p];
            float[] b1 = bp[p + 1];
            float[] b2 = bp[p + 2];
            float[] b3 = bp[p + 3];
            for (int j = 0; j < nc; j++) {
                t[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
            }
        }
        for (; p < kc; p++) {
            float a0 = alpha * a[ai + p * sp];
            float[] b0 = bp[p];
            for (int j = 0; j < nc; j++) {
                t[j] += a0 * b0[j];
            }
        }
    }

    /** Packs {@code op(B)[pc.., jc..]} ({@code kc x nc}) into {@code bp[p][j]}. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                              float[][] bp) {
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
