package org.fcnn.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 product on the Vector API (Goto/BLIS scheme): op(B) is packed in blocks of
 * {@code KC x NC} as panels {@code NR} columns wide, op(A) (times alpha) in blocks of {@code MC x KC} as
 * panels {@code MR} rows tall, and a register-blocked micro-kernel accumulates an {@code MR x NR} tile of C
 * ({@code MR = 5} rows times 4 vectors, 20 accumulators) over {@code KC} steps of broadcast-A times
 * B-vector fused multiply-adds. Not 6 rows, though 6 x 4 is some 15% faster once compiled by C2: C1 fails
 * to compile that kernel ("out of virtual registers"), and when the JIT's queue is long at start-up
 * HotSpot 17 can leave it in its unprofiled C1 form for good, boxing every vector (50 times slower). The
 * kernel calls only Vector API methods (which are force-inlined): a helper of our own might not be inlined
 * into a method this large, and every vector passed to it would be boxed. Panels are zero-padded; tiles at C's edges go through a scratch tile.
 * Loaded only when the {@code jdk.incubator.vector} module is present (see {@link CpuKernels}).
 */
final class VectorFloatGemm implements FloatGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 5;
    static final int NR = 4 * L;
    private static final int KC = Integer.getInteger("fcnn.cpu.kc", 256);
    private static final int MC = MR * Integer.getInteger("fcnn.cpu.mcPanels", 24);
    private static final int NC = NR * Integer.getInteger("fcnn.cpu.ncPanels", 32);

    @Override
    public int rowAlign() {
        return MR;
    }

    @Override
    public int colAlign() {
        return NR;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        if (beta != 0) {
            FloatGemm.scale(c, cOff, ldc, m, n, beta);
        }
        float[] ap = scratch.floats(0, MC * KC);
        float[] bp = scratch.floats(1, KC * Math.min(NC, roundUp(n, NR)));
        float[] tile = scratch.floats(2, MR * NR);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean overwrite = pc == 0 && beta == 0;
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOff, lda, ic, pc, mc, kc, alpha, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(kc, ap, ir * kc, bp, jr * kc, c, ci, ldc, overwrite);
                            } else {
                                kernel(kc, ap, ir * kc, bp, jr * kc, tile, 0, NR, true);
                                addTile(tile, c, ci, ldc, mr, nr, overwrite);
                            }
                        }
                    }
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Packs {@code alpha op(A)[ic.., pc..]} ({@code mc x kc}) as panels of {@code MR} rows: (r, p) at {@code ir * kc + p * MR + r}. */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int pc, int mc, int kc,
                              float alpha, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = ir * kc;
            int mr = Math.min(MR, mc - ir);
            if (transA) {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = alpha * a[src + r];
                    }
                    for (int r = mr; r < MR; r++) {
                        ap[dst + r] = 0;
                    }
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        int src = aOff + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = alpha * a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = 0;
                        }
                    }
                }
            }
        }
    }

    /** Packs {@code op(B)[pc.., jc..]} ({@code kc x nc}) as panels of {@code NR} columns: (p, j) at {@code jr * kc + p * NR + j}. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                              float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int base = jr * kc;
            int nr = Math.min(NR, nc - jr);
            if (transB) {
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0;
                        }
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * NR;
                    System.arraycopy(b, bOff + (pc + p) * ldb + jc + jr, bp, dst, nr);
                    if (nr < NR) {
                        java.util.Arrays.fill(bp, dst + nr, dst + NR, 0);
                    }
                }
            }
        }
    }

    /** {@code tile [mr x nr]} (row stride {@code NR}) into C: stored when {@code overwrite}, else added. */
    private static void addTile(float[] tile, float[] c, int cOff, int ldc, int mr, int nr, boolean overwrite) {
        for (int r = 0; r < mr; r++) {
            int o = cOff + r * ldc;
            for (int j = 0; j < nr; j++) {
                c[o + j] = overwrite ? tile[r * NR + j] : c[o + j] + tile[r * NR + j];
            }
        }
    }

    /** {@code C [MR x NR] (+)= Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    private static void kernel(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc,
                               boolean overwrite) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
        FloatVector a;
        for (int p = 0, ao = aOff, bo = bOff; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + 0 * L);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            a = FloatVector.broadcast(S, ap[ao + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            c43 = a.fma(b3, c43);
        }
        if (overwrite) {
            c00.intoArray(c, cOff + 0 * ldc + 0 * L);
            c01.intoArray(c, cOff + 0 * ldc + 1 * L);
            c02.intoArray(c, cOff + 0 * ldc + 2 * L);
            c03.intoArray(c, cOff + 0 * ldc + 3 * L);
            c10.intoArray(c, cOff + 1 * ldc + 0 * L);
            c11.intoArray(c, cOff + 1 * ldc + 1 * L);
            c12.intoArray(c, cOff + 1 * ldc + 2 * L);
            c13.intoArray(c, cOff + 1 * ldc + 3 * L);
            c20.intoArray(c, cOff + 2 * ldc + 0 * L);
            c21.intoArray(c, cOff + 2 * ldc + 1 * L);
            c22.intoArray(c, cOff + 2 * ldc + 2 * L);
            c23.intoArray(c, cOff + 2 * ldc + 3 * L);
            c30.intoArray(c, cOff + 3 * ldc + 0 * L);
            c31.intoArray(c, cOff + 3 * ldc + 1 * L);
            c32.intoArray(c, cOff + 3 * ldc + 2 * L);
            c33.intoArray(c, cOff + 3 * ldc + 3 * L);
            c40.intoArray(c, cOff + 4 * ldc + 0 * L);
            c41.intoArray(c, cOff + 4 * ldc + 1 * L);
            c42.intoArray(c, cOff + 4 * ldc + 2 * L);
            c43.intoArray(c, cOff + 4 * ldc + 3 * L);
        } else {
            c00.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 0 * L)).intoArray(c, cOff + 0 * ldc + 0 * L);
            c01.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 1 * L)).intoArray(c, cOff + 0 * ldc + 1 * L);
            c02.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 2 * L)).intoArray(c, cOff + 0 * ldc + 2 * L);
            c03.add(FloatVector.fromArray(S, c, cOff + 0 * ldc + 3 * L)).intoArray(c, cOff + 0 * ldc + 3 * L);
            c10.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 0 * L)).intoArray(c, cOff + 1 * ldc + 0 * L);
            c11.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 1 * L)).intoArray(c, cOff + 1 * ldc + 1 * L);
            c12.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 2 * L)).intoArray(c, cOff + 1 * ldc + 2 * L);
            c13.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + 3 * L)).intoArray(c, cOff + 1 * ldc + 3 * L);
            c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 0 * L)).intoArray(c, cOff + 2 * ldc + 0 * L);
            c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 1 * L)).intoArray(c, cOff + 2 * ldc + 1 * L);
            c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L)).intoArray(c, cOff + 2 * ldc + 2 * L);
            c23.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 3 * L)).intoArray(c, cOff + 2 * ldc + 3 * L);
            c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 0 * L)).intoArray(c, cOff + 3 * ldc + 0 * L);
            c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 1 * L)).intoArray(c, cOff + 3 * ldc + 1 * L);
            c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L)).intoArray(c, cOff + 3 * ldc + 2 * L);
            c33.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 3 * L)).intoArray(c, cOff + 3 * ldc + 3 * L);
            c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 0 * L)).intoArray(c, cOff + 4 * ldc + 0 * L);
            c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 1 * L)).intoArray(c, cOff + 4 * ldc + 1 * L);
            c42.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * L)).intoArray(c, cOff + 4 * ldc + 2 * L);
            c43.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 3 * L)).intoArray(c, cOff + 4 * ldc + 3 * L);
        }
    }
}
