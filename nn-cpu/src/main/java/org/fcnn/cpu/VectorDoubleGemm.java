package org.fcnn.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The double64 product on the Vector API (Goto/BLIS scheme): op(B) is packed in blocks of
 * {@code KC x NC} as panels {@code NR} columns wide, op(A) (times alpha) in blocks of {@code MC x KC} as
 * panels {@code MR} rows tall, and a register-blocked micro-kernel accumulates an {@code MR x NR} tile of C
 * ({@code MR = 6} rows times 4 vectors: 24 accumulators, 4 B vectors and one broadcast of A in the 32
 * AVX-512 registers) over {@code KC} steps of broadcast-A times B-vector fused multiply-adds.
 *
 * <p>The micro-kernels are written so that C2 always compiles them to pure vector code, never boxing a
 * vector (an unboxed kernel is 10-50 times faster and allocates nothing):
 * <ul>
 * <li>They call only Vector API methods (force-inlined intrinsics): a helper of our own might not be
 *     inlined, and every vector passed to it would be boxed.</li>
 * <li>They have no branch: one kernel sets a tile ({@link #kernelSet}), another adds to it
 *     ({@link #kernelAdd}, which loads the tile into its accumulators first). The former single kernel with
 *     both store paths (1,768 bytecodes) was large enough that in some JVM runs C2 compiled it with the
 *     add-and-store path at its end not intrinsified ({@code VectorSupport::store} "failed to inline
 *     (intrinsic)" in {@code -XX:+PrintInlining}, {@code DoubleVector.lanewiseTemplate} allocating in JFR
 *     allocation samples): every product that accumulated over several {@code KC} blocks then boxed.</li>
 * <li>Both are small enough (some 1,000 and 1,300 bytecodes, 80-100 vector operations) that C2 inlines
 *     every Vector API call in them within its budget, whatever the profile.</li>
 * </ul>
 * Panels are zero-padded; tiles at C's edges go through a scratch tile.
 * Loaded only when the {@code jdk.incubator.vector} module is present (see {@link CpuKernels}).
 */
final class VectorDoubleGemm implements DoubleGemm {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 6;
    static final int NR = 4 * L;
    private static final int KC = Integer.getInteger("fcnn.cpu.kc", 512);
    private static final int MC = MR * Integer.getInteger("fcnn.cpu.mcPanels", 24);
    private static final int NC = NR * Integer.getInteger("fcnn.cpu.ncPanels", 32);
    /** Steps of p per block when packing a transposed B. */
    private static final int PB = 64;

    @Override
    public int rowAlign() {
        return MR;
    }

    @Override
    public int colAlign() {
        return NR;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                     double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                     double beta, double[] c, int cOff, int ldc, Scratch scratch) {
        if (beta != 0) {
            DoubleGemm.scale(c, cOff, ldc, m, n, beta);
        }
        double[] ap = scratch.doubles(0, MC * KC);
        double[] bp = scratch.doubles(1, KC * Math.min(NC, roundUp(n, NR)));
        double[] tile = scratch.doubles(2, MR * NR);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean overwrite = pc == 0 && beta == 0;
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOff, lda, ic, pc, mc, kc, alpha, ap);
                    block(kc, mc, nc, ap, bp, c, cOff + ic * ldc + jc, ldc, overwrite, tile);
                }
            }
        }
    }

    /** {@code C [mc x nc] (+)= Ap block * Bp block}, tile by tile. */
    private static void block(int kc, int mc, int nc, double[] ap, double[] bp, double[] c, int cOff, int ldc,
                              boolean overwrite, double[] tile) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int ci = cOff + ir * ldc + jr;
                if (mr == MR && nr == NR) {
                    if (overwrite) {
                        kernelSet(kc, ap, ir * kc, bp, jr * kc, c, ci, ldc);
                    } else {
                        kernelAdd(kc, ap, ir * kc, bp, jr * kc, c, ci, ldc);
                    }
                } else {
                    kernelSet(kc, ap, ir * kc, bp, jr * kc, tile, 0, NR);
                    addTile(tile, c, ci, ldc, mr, nr, overwrite);
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** Packs {@code alpha op(A)[ic.., pc..]} ({@code mc x kc}) as panels of {@code MR} rows: (r, p) at {@code ir * kc + p * MR + r}. */
    private static void packA(boolean transA, double[] a, int aOff, int lda, int ic, int pc, int mc, int kc,
                              double alpha, double[] ap) {
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
            } else if (mr == MR && alpha == 1) {
                // Six rows read side by side and the panel written in order, rather than a pass per row
                // with stride-MR stores (the forward pass packs each batch X this way).
                int s0 = aOff + (ic + ir) * lda + pc;
                int s1 = s0 + lda;
                int s2 = s1 + lda;
                int s3 = s2 + lda;
                int s4 = s3 + lda;
                int s5 = s4 + lda;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * MR;
                    ap[dst] = a[s0 + p];
                    ap[dst + 1] = a[s1 + p];
                    ap[dst + 2] = a[s2 + p];
                    ap[dst + 3] = a[s3 + p];
                    ap[dst + 4] = a[s4 + p];
                    ap[dst + 5] = a[s5 + p];
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
    private static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                              double[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int base = jr * kc;
            int nr = Math.min(NR, nc - jr);
            if (transB) {
                // A transposition (the forward pass packs W^T this way), in blocks of PB steps of p so that
                // the PB x NR block being written stays in L1, four source rows at a time (nr is a multiple
                // of 4 except at C's right edge, where the rows past nr are zeros).
                for (int p0 = 0; p0 < kc; p0 += PB) {
                    int pe = Math.min(kc, p0 + PB);
                    int j = 0;
                    for (; j + 4 <= nr; j += 4) {
                        int s0 = bOff + (jc + jr + j) * ldb + pc;
                        int s1 = s0 + ldb;
                        int s2 = s1 + ldb;
                        int s3 = s2 + ldb;
                        for (int p = p0; p < pe; p++) {
                            int d = base + p * NR + j;
                            bp[d] = b[s0 + p];
                            bp[d + 1] = b[s1 + p];
                            bp[d + 2] = b[s2 + p];
                            bp[d + 3] = b[s3 + p];
                        }
                    }
                    for (; j < NR; j++) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = p0; p < pe; p++) {
                            bp[base + p * NR + j] = j < nr ? b[src + p] : 0;
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
    private static void addTile(double[] tile, double[] c, int cOff, int ldc, int mr, int nr, boolean overwrite) {
        for (int r = 0; r < mr; r++) {
            int o = cOff + r * ldc;
            for (int j = 0; j < nr; j++) {
                c[o + j] = overwrite ? tile[r * NR + j] : c[o + j] + tile[r * NR + j];
            }
        }
    }

    /** {@code C [MR x NR] = Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    private static void kernelSet(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z, c02 = z, c03 = z;
        DoubleVector c10 = z, c11 = z, c12 = z, c13 = z;
        DoubleVector c20 = z, c21 = z, c22 = z, c23 = z;
        DoubleVector c30 = z, c31 = z, c32 = z, c33 = z;
        DoubleVector c40 = z, c41 = z, c42 = z, c43 = z;
        DoubleVector c50 = z, c51 = z, c52 = z, c53 = z;
        for (int p = 0; p < kc; p++) {
            int ao = aOff + p * MR;
            int bo = bOff + p * NR;
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector b2 = DoubleVector.fromArray(S, bp, bo + 2 * L);
            DoubleVector b3 = DoubleVector.fromArray(S, bp, bo + 3 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            DoubleVector a1 = DoubleVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            DoubleVector a2 = DoubleVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            DoubleVector a3 = DoubleVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            DoubleVector a4 = DoubleVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            DoubleVector a5 = DoubleVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }

    /** {@code C [MR x NR] += Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    private static void kernelAdd(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        DoubleVector c00 = DoubleVector.fromArray(S, c, o0 + 0 * L), c01 = DoubleVector.fromArray(S, c, o0 + 1 * L), c02 = DoubleVector.fromArray(S, c, o0 + 2 * L), c03 = DoubleVector.fromArray(S, c, o0 + 3 * L);
        DoubleVector c10 = DoubleVector.fromArray(S, c, o1 + 0 * L), c11 = DoubleVector.fromArray(S, c, o1 + 1 * L), c12 = DoubleVector.fromArray(S, c, o1 + 2 * L), c13 = DoubleVector.fromArray(S, c, o1 + 3 * L);
        DoubleVector c20 = DoubleVector.fromArray(S, c, o2 + 0 * L), c21 = DoubleVector.fromArray(S, c, o2 + 1 * L), c22 = DoubleVector.fromArray(S, c, o2 + 2 * L), c23 = DoubleVector.fromArray(S, c, o2 + 3 * L);
        DoubleVector c30 = DoubleVector.fromArray(S, c, o3 + 0 * L), c31 = DoubleVector.fromArray(S, c, o3 + 1 * L), c32 = DoubleVector.fromArray(S, c, o3 + 2 * L), c33 = DoubleVector.fromArray(S, c, o3 + 3 * L);
        DoubleVector c40 = DoubleVector.fromArray(S, c, o4 + 0 * L), c41 = DoubleVector.fromArray(S, c, o4 + 1 * L), c42 = DoubleVector.fromArray(S, c, o4 + 2 * L), c43 = DoubleVector.fromArray(S, c, o4 + 3 * L);
        DoubleVector c50 = DoubleVector.fromArray(S, c, o5 + 0 * L), c51 = DoubleVector.fromArray(S, c, o5 + 1 * L), c52 = DoubleVector.fromArray(S, c, o5 + 2 * L), c53 = DoubleVector.fromArray(S, c, o5 + 3 * L);
        for (int p = 0; p < kc; p++) {
            int ao = aOff + p * MR;
            int bo = bOff + p * NR;
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector b2 = DoubleVector.fromArray(S, bp, bo + 2 * L);
            DoubleVector b3 = DoubleVector.fromArray(S, bp, bo + 3 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            DoubleVector a1 = DoubleVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            DoubleVector a2 = DoubleVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            DoubleVector a3 = DoubleVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            DoubleVector a4 = DoubleVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            DoubleVector a5 = DoubleVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }
}
