// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * The float32 product on the Vector API (Goto/BLIS scheme): op(B) is packed in blocks of
 * {@code KC x NC} as panels {@code NR} columns wide, op(A) (times alpha) in blocks of {@code MC x KC} as
 * panels {@code MR} rows tall, and a register-blocked {@link FloatMicroKernel} accumulates an
 * {@code MR x NR} tile of C over {@code KC} steps of broadcast-A times B-vector fused multiply-adds. The
 * tile is the one {@link KernelShape} chose for the machine's register file (6 x 4 vectors with 32 vector
 * registers, 6 x 2 with 16), and the blocks come from its caches ({@link CacheBlocks}).
 *
 * <p>The micro-kernels are written so that C2 always compiles them to pure vector code, never boxing a
 * vector (an unboxed kernel is 10-50 times faster and allocates nothing):
 * <ul>
 * <li>They call only Vector API methods (force-inlined intrinsics): a helper of our own might not be
 *     inlined, and every vector passed to it would be boxed. Only arrays and offsets cross the call from
 *     this class into a kernel, so that call need not be inlined.</li>
 * <li>They have no branch: one kernel method sets a tile ({@link FloatMicroKernel#set}), another adds to
 *     it ({@link FloatMicroKernel#add}, which loads the tile into its accumulators first). The former single
 *     kernel with both store paths (1,768 bytecodes) was large enough that in some JVM runs C2 compiled it
 *     with the add-and-store path at its end not intrinsified ({@code VectorSupport::store} "failed to
 *     inline (intrinsic)" in {@code -XX:+PrintInlining}, {@code FloatVector.lanewiseTemplate} allocating in
 *     JFR allocation samples): every product that accumulated over several {@code KC} blocks then boxed.</li>
 * <li>Both are small enough (at most some 1,000 and 1,300 bytecodes, 80-100 vector operations, for the
 *     6 x 4 tile) that C2 inlines every Vector API call in them within its budget, whatever the profile.</li>
 * </ul>
 * Panels are zero-padded; tiles at C's edges go through a scratch tile. {@code A B^T} with at most
 * {@link VectorFloatDots#MAX_ROWS} rows of A (one sample's forward pass) skips the packing and runs as dot
 * products ({@link VectorFloatDots}); the same rows in a larger product run through the packed path.
 * Loaded only when the {@code jdk.incubator.vector} module is present (see {@link CpuKernels}).
 */
final class VectorFloatGemm implements FloatGemm {
    private final FloatMicroKernel kernel;
    private final CacheBlocks blocks;
    private final int tileRows;
    private final int tileCols;
    private final int kcMax;
    private final int mcMax;
    private final int ncMax;
    /** Steps of p per block when packing a transposed B. */
    private static final int PB = 64;
    /** Where the packed B panels start in their array, so that the kernels' vector loads of them stay on cache lines. */
    private static final int B_START = ArrayAlignment.alignedStart(Float.BYTES);
    /**
     * Up to how many columns of C a product reads A in place rather than packing it
     * ({@code fcnn.cpu.inPlaceAColumns}): the forward pass of a 784-128 layer (batch x 784 times 784 x 128)
     * ran 23-42% faster so, measured side by side in one JVM on an Intel Xeon (family 6 model 207, AVX-512).
     */
    private static final int IN_PLACE_A_COLUMNS = Integer.getInteger("fcnn.cpu.inPlaceAColumns", 256);

    /** A product with register tiles of {@code kernel} and cache blocks {@code blocks} (sized for that tile). */
    VectorFloatGemm(FloatMicroKernel kernel, CacheBlocks blocks) {
        this.kernel = kernel;
        this.blocks = blocks;
        this.tileRows = kernel.rows();
        this.tileCols = kernel.columns();
        this.kcMax = blocks.kc();
        this.mcMax = blocks.mc();
        this.ncMax = blocks.nc();
    }

    /** The cache blocks, for descriptions. */
    CacheBlocks blocks() {
        return blocks;
    }

    @Override
    public int sharedLimit() {
        return blocks.shared();
    }

    @Override
    public int rowAlign() {
        return tileRows;
    }

    @Override
    public int colAlign() {
        return tileCols;
    }

    /** A is read in place, not packed, where C has at most {@link #IN_PLACE_A_COLUMNS} columns and alpha is 1. */
    @Override
    public boolean packsA(boolean transA, int n, float alpha) {
        return transA || alpha != 1 || n > IN_PLACE_A_COLUMNS;
    }

    /** Products of at most {@link VectorFloatDots#MAX_ROWS} rows with {@code B^T} and rows of two vectors or more. */
    @Override
    public boolean dotsFor(boolean transA, boolean transB, int m, int k) {
        return !transA && transB && m <= VectorFloatDots.MAX_ROWS && k >= VectorFloatDots.MIN_TINY_K;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        if (!transA && transB && m <= VectorFloatDots.MAX_ROWS) {
            // One sample's forward pass or a few: dot products straight from B, no packing.
            VectorFloatDots.gemm(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc,
                    scratch.floats(2, VectorFloatDots.scratchSize()));
            return;
        }
        product(transA, transB, m, n, k, alpha, a, aOff, lda, null, b, bOff, ldb, null, beta, c, cOff, ldc, scratch);
    }

    /** {@code roundUp(m, MR) * k}: A's rows padded to whole panels; 0 for the products that run as dot products. */
    @Override
    public int packedASize(boolean transA, boolean transB, int m, int k) {
        if (!transA && transB && m <= VectorFloatDots.MAX_ROWS) {
            return 0;
        }
        long size = (long) roundUp(m, tileRows) * k;
        return size > Integer.MAX_VALUE - 16 ? 0 : (int) size;
    }

    /**
     * Each block {@code (ic, pc)} of A ({@code mc x kc}, packed as {@link #gemm} packs it) at {@link #packedABlock}:
     * the blocks of one {@code pc} in order of {@code ic}, then those of the next.
     */
    @Override
    public void packA(boolean transA, int m, int k, float alpha, float[] a, int aOff, int lda, float[] ap) {
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            for (int ic = 0; ic < m; ic += mcMax) {
                packA(transA, a, aOff, lda, ic, pc, Math.min(mcMax, m - ic), kc, alpha, ap, packedABlock(m, ic, pc, kc));
            }
        }
    }

    @Override
    public void gemmPackedA(int m, int n, int k, float[] ap, boolean transB, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        product(false, transB, m, n, k, 1, null, 0, 0, ap, b, bOff, ldb, null, beta, c, cOff, ldc, scratch);
    }

    /** {@code roundUp(n, NR) * k} after the aligned start: B's columns padded to whole panels; 0 for dot products. */
    @Override
    public int packedBSize(boolean transA, boolean transB, int m, int n, int k) {
        if (!transA && transB && m <= VectorFloatDots.MAX_ROWS) {
            return 0;
        }
        long size = B_START + (long) roundUp(n, tileCols) * k;
        return size > Integer.MAX_VALUE - 16 ? 0 : (int) size;
    }

    /**
     * Each block {@code (pc, jc)} of B ({@code kc x nc}, packed as {@link #gemm} packs it) at {@link #packedBBlock}:
     * the blocks of one {@code jc} in order of {@code pc}, then those of the next.
     */
    @Override
    public void packB(boolean transB, int n, int k, float[] b, int bOff, int ldb, float[] bp) {
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp, packedBBlock(k, jc, pc, nc));
            }
        }
    }

    @Override
    public void gemmPackedB(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                            float[] bp, float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        product(transA, false, m, n, k, alpha, a, aOff, lda, null, null, 0, 0, bp, beta, c, cOff, ldc, scratch);
    }

    /** Where block {@code (pc, jc)} of B packed whole starts: {@code B_START + jc * k + pc * roundUp(nc, NR)}. */
    private int packedBBlock(int k, int jc, int pc, int nc) {
        return B_START + jc * k + pc * roundUp(nc, tileCols);
    }

    /** Where block {@code (ic, pc)} of A packed whole starts: {@code pc * roundUp(m, MR) + ic * kc}. */
    private int packedABlock(int m, int ic, int pc, int kc) {
        return pc * roundUp(m, tileRows) + ic * kc;
    }

    /**
     * The blocked product: A and B packed block by block here, or ({@code packedA}, {@code packedB} not null) read
     * from A packed whole by {@link #packA(boolean, int, int, float, float[], int, int, float[])} or B packed whole by
     * {@link #packB(boolean, int, int, float[], int, int, float[])}.
     */
    private void product(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] packedA, float[] b, int bOff, int ldb, float[] packedB,
                         float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        if (beta != 0) {
            FloatGemm.scale(c, cOff, ldc, m, n, beta);
        }
        float[] ap = packedA != null ? packedA : scratch.floats(0, mcMax * kcMax);
        float[] bp = packedB != null ? packedB : scratch.floats(1, B_START + kcMax * Math.min(ncMax, roundUp(n, tileCols)));
        float[] tile = scratch.floats(2, tileRows * tileCols);
        for (int jc = 0; jc < n; jc += ncMax) {
            int nc = Math.min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax) {
                int kc = Math.min(kcMax, k - pc);
                boolean overwrite = pc == 0 && beta == 0;
                int bpOff = B_START;
                if (packedB != null) {
                    bpOff = packedBBlock(k, jc, pc, nc);
                } else {
                    packB(transB, b, bOff, ldb, pc, jc, kc, nc, bp, B_START);
                }
                // A is read in place, without packing, where few panels of B reuse each of its panels (its
                // rows stay in L1 across them); only a last panel of fewer than MR rows is packed then.
                boolean inPlace = packedA == null && !packsA(transA, nc, alpha);
                for (int ic = 0; ic < m; ic += mcMax) {
                    int mc = Math.min(mcMax, m - ic);
                    int inPlaceRows = inPlace ? mc / tileRows * tileRows : 0;
                    int apOff = 0;
                    if (packedA != null) {
                        apOff = packedABlock(m, ic, pc, kc);
                    } else if (inPlaceRows < mc) {
                        packA(transA, a, aOff, lda, ic + inPlaceRows, pc, mc - inPlaceRows, kc, alpha, ap, 0);
                    }
                    block(kc, mc, nc, inPlaceRows, a, aOff + ic * lda + pc, lda, ap, apOff, bp, bpOff, c,
                            cOff + ic * ldc + jc, ldc, overwrite, tile);
                }
            }
        }
    }

    /**
     * {@code C [mc x nc] (+)= A block * Bp block}, tile by tile: its first {@code inPlaceRows} rows (a multiple of MR) from A's rows in place at
     * {@code a[aRows + r * lda + p]}, the rest from the packed panels in {@code ap} from {@code ap[apOff]}; B's panels
     * from {@code bp[bpOff]}.
     */
    private void block(int kc, int mc, int nc, int inPlaceRows, float[] a, int aRows, int lda, float[] ap, int apOff,
                       float[] bp, int bpOff, float[] c, int cOff, int ldc, boolean overwrite, float[] tile) {
        for (int jr = 0; jr < nc; jr += tileCols) {
            int nr = Math.min(tileCols, nc - jr);
            int bo = bpOff + jr * kc;
            for (int ir = 0; ir < inPlaceRows; ir += tileRows) {
                int ci = cOff + ir * ldc + jr;
                int ao = aRows + ir * lda;
                if (nr == tileCols) {
                    if (overwrite) {
                        kernel.setRows(kc, a, ao, lda, bp, bo, c, ci, ldc);
                    } else {
                        kernel.addRows(kc, a, ao, lda, bp, bo, c, ci, ldc);
                    }
                } else {
                    kernel.setRows(kc, a, ao, lda, bp, bo, tile, 0, tileCols);
                    addTile(tile, c, ci, ldc, tileRows, nr, overwrite);
                }
            }
            for (int ir = inPlaceRows; ir < mc; ir += tileRows) {
                int mr = Math.min(tileRows, mc - ir);
                int ci = cOff + ir * ldc + jr;
                int ao = apOff + (ir - inPlaceRows) * kc;
                if (mr == tileRows && nr == tileCols) {
                    if (overwrite) {
                        kernel.set(kc, ap, ao, bp, bo, c, ci, ldc);
                    } else {
                        kernel.add(kc, ap, ao, bp, bo, c, ci, ldc);
                    }
                } else {
                    kernel.set(kc, ap, ao, bp, bo, tile, 0, tileCols);
                    addTile(tile, c, ci, ldc, mr, nr, overwrite);
                }
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /**
     * Packs {@code alpha op(A)[ic.., pc..]} ({@code mc x kc}) as panels of {@code MR} rows: (r, p) at
     * {@code apOff + ir * kc + p * MR + r}.
     */
    private void packA(boolean transA, float[] a, int aOff, int lda, int ic, int pc, int mc, int kc,
                       float alpha, float[] ap, int apOff) {
        for (int ir = 0; ir < mc; ir += tileRows) {
            int base = apOff + ir * kc;
            int mr = Math.min(tileRows, mc - ir);
            if (transA && mr == tileRows && tileRows == 6) {
                // A full panel of op(A) = A^T: six adjacent elements of each row of A, written in order (the weight
                // gradient packs delta^T this way).
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * 6;
                    ap[dst] = alpha * a[src];
                    ap[dst + 1] = alpha * a[src + 1];
                    ap[dst + 2] = alpha * a[src + 2];
                    ap[dst + 3] = alpha * a[src + 3];
                    ap[dst + 4] = alpha * a[src + 4];
                    ap[dst + 5] = alpha * a[src + 5];
                }
            } else if (transA) {
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * tileRows;
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = alpha * a[src + r];
                    }
                    for (int r = mr; r < tileRows; r++) {
                        ap[dst + r] = 0;
                    }
                }
            } else if (mr == tileRows && tileRows == 6 && alpha == 1) {
                // Six rows read side by side and the panel written in order, rather than a pass per row
                // with stride-MR stores (the forward pass packs each batch X this way).
                int s0 = aOff + (ic + ir) * lda + pc;
                int s1 = s0 + lda;
                int s2 = s1 + lda;
                int s3 = s2 + lda;
                int s4 = s3 + lda;
                int s5 = s4 + lda;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * tileRows;
                    ap[dst] = a[s0 + p];
                    ap[dst + 1] = a[s1 + p];
                    ap[dst + 2] = a[s2 + p];
                    ap[dst + 3] = a[s3 + p];
                    ap[dst + 4] = a[s4 + p];
                    ap[dst + 5] = a[s5 + p];
                }
            } else {
                for (int r = 0; r < tileRows; r++) {
                    if (r < mr) {
                        int src = aOff + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * tileRows + r] = alpha * a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * tileRows + r] = 0;
                        }
                    }
                }
            }
        }
    }

    /** Packs {@code op(B)[pc.., jc..]} ({@code kc x nc}) as panels of {@code NR} columns: (p, j) at {@code bpOff + jr * kc + p * NR + j}. */
    private void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc,
                       float[] bp, int bpOff) {
        for (int jr = 0; jr < nc; jr += tileCols) {
            int base = bpOff + jr * kc;
            int nr = Math.min(tileCols, nc - jr);
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
                            int d = base + p * tileCols + j;
                            bp[d] = b[s0 + p];
                            bp[d + 1] = b[s1 + p];
                            bp[d + 2] = b[s2 + p];
                            bp[d + 3] = b[s3 + p];
                        }
                    }
                    for (; j < tileCols; j++) {
                        int src = bOff + (jc + jr + j) * ldb + pc;
                        for (int p = p0; p < pe; p++) {
                            bp[base + p * tileCols + j] = j < nr ? b[src + p] : 0;
                        }
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * tileCols;
                    System.arraycopy(b, bOff + (pc + p) * ldb + jc + jr, bp, dst, nr);
                    if (nr < tileCols) {
                        java.util.Arrays.fill(bp, dst + nr, dst + tileCols, 0);
                    }
                }
            }
        }
    }

    /** {@code tile [mr x nr]} (row stride {@code NR}) into C: stored when {@code overwrite}, else added. */
    private void addTile(float[] tile, float[] c, int cOff, int ldc, int mr, int nr, boolean overwrite) {
        for (int r = 0; r < mr; r++) {
            int o = cOff + r * ldc;
            for (int j = 0; j < nr; j++) {
                c[o + j] = overwrite ? tile[r * tileCols + j] : c[o + j] + tile[r * tileCols + j];
            }
        }
    }
}
