// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * An operand packed once for all bands of a product, A for bands of columns ({@link FloatGemm#packA},
 * {@link FloatGemm#gemmPackedA}) and B for bands of rows ({@link FloatGemm#packB}, {@link FloatGemm#gemmPackedB}):
 * the same bits as the product that packs block by block, whether it runs as one call, in bands, or on two threads.
 * Sizes: k = 1100 is three blocks of KC (512 at most), m = 301 several blocks of MC with a last panel of one row,
 * n = 517 more than the 256 columns up to which A would be read in place, and a ragged last panel of B; the
 * two-thread product also runs transposed in shape (517 x 301, split by rows).
 */
class PackedOperandProductTest {
    private static final int M = 301;
    private static final int N = 517;
    private static final int K = 1100;
    /** Bands of C's columns as a runner might cut them (multiples of any tile's columns but the last). */
    private static final int[] BANDS = {0, 128, 384, N};
    /** Bands of C's rows (multiples of the tile's rows but the last). */
    private static final int[] ROW_BANDS = {0, 60, 240, M};

    @Test
    void floatBandsFromAnOperandPackedOnceEqualOneProduct() {
        FloatGemm gemm = CpuKernels.get().floatGemm();
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 2) != 0;
            boolean tb = (t & 1) != 0;
            int sizeA = gemm.packedASize(ta, tb, M, K);
            int sizeB = gemm.packedBSize(ta, tb, M, N, K);
            assumeTrue(sizeA > 0 && sizeB > 0, "these kernels do not pack ahead: " + CpuKernels.get().description());
            Random r = new Random(t);
            float[] a = floats(r, M * K);
            float[] b = floats(r, K * N);
            float[] c = floats(r, M * N);
            int lda = ta ? M : K;
            int ldb = tb ? K : N;
            float[] want = c.clone();
            gemm.gemm(ta, tb, M, N, K, 0.5f, a, 0, lda, b, 0, ldb, 0.25f, want, 0, N, new Scratch());
            Scratch scratch = new Scratch();

            float[] ap = new float[sizeA];
            gemm.packA(ta, M, K, 0.5f, a, 0, lda, ap);
            float[] got = c.clone();
            for (int i = 0; i + 1 < BANDS.length; i++) {
                int from = BANDS[i];
                gemm.gemmPackedA(M, BANDS[i + 1] - from, K, ap, tb, b, tb ? from * ldb : from, ldb, 0.25f, got, from, N,
                        scratch);
            }
            assertArrayEquals(want, got, "A packed, bands of columns, ta=" + ta + " tb=" + tb);

            float[] bp = new float[sizeB];
            gemm.packB(tb, N, K, b, 0, ldb, bp);
            got = c.clone();
            for (int i = 0; i + 1 < ROW_BANDS.length; i++) {
                int from = ROW_BANDS[i];
                gemm.gemmPackedB(ta, ROW_BANDS[i + 1] - from, N, K, 0.5f, a, ta ? from : from * lda, lda, bp, 0.25f, got,
                        from * N, N, scratch);
            }
            assertArrayEquals(want, got, "B packed, bands of rows, ta=" + ta + " tb=" + tb);
        }
    }

    @Test
    void doubleBandsFromAnOperandPackedOnceEqualOneProduct() {
        DoubleGemm gemm = CpuKernels.get().doubleGemm();
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 2) != 0;
            boolean tb = (t & 1) != 0;
            int sizeA = gemm.packedASize(ta, tb, M, K);
            int sizeB = gemm.packedBSize(ta, tb, M, N, K);
            assumeTrue(sizeA > 0 && sizeB > 0, "these kernels do not pack ahead: " + CpuKernels.get().description());
            Random r = new Random(t);
            double[] a = doubles(r, M * K);
            double[] b = doubles(r, K * N);
            double[] c = doubles(r, M * N);
            int lda = ta ? M : K;
            int ldb = tb ? K : N;
            double[] want = c.clone();
            gemm.gemm(ta, tb, M, N, K, 0.5, a, 0, lda, b, 0, ldb, 0.25, want, 0, N, new Scratch());
            Scratch scratch = new Scratch();

            double[] ap = new double[sizeA];
            gemm.packA(ta, M, K, 0.5, a, 0, lda, ap);
            double[] got = c.clone();
            for (int i = 0; i + 1 < BANDS.length; i++) {
                int from = BANDS[i];
                gemm.gemmPackedA(M, BANDS[i + 1] - from, K, ap, tb, b, tb ? from * ldb : from, ldb, 0.25, got, from, N,
                        scratch);
            }
            assertArrayEquals(want, got, "A packed, bands of columns, ta=" + ta + " tb=" + tb);

            double[] bp = new double[sizeB];
            gemm.packB(tb, N, K, b, 0, ldb, bp);
            got = c.clone();
            for (int i = 0; i + 1 < ROW_BANDS.length; i++) {
                int from = ROW_BANDS[i];
                gemm.gemmPackedB(ta, ROW_BANDS[i + 1] - from, N, K, 0.5, a, ta ? from : from * lda, lda, bp, 0.25, got,
                        from * N, N, scratch);
            }
            assertArrayEquals(want, got, "B packed, bands of rows, ta=" + ta + " tb=" + tb);
        }
    }

    @Test
    void twoThreadsGiveTheBitsOfOne() {
        // Two threads cut C into bands of columns that share one packed A (or, tall, bands of rows that share one
        // packed B) where the runner's limit lets them, or else bands that each pack their own blocks; one thread
        // runs the product as one call. Each element is the same sum in the same order every way.
        for (int[] shape : new int[][] {{M, N}, {N, M}}) {
            for (int limit : new int[] {Integer.MAX_VALUE, 0}) {
                twoThreadsGiveTheBitsOfOne(shape[0], shape[1], limit);
            }
        }
    }

    private static void twoThreadsGiveTheBitsOfOne(int m, int n, int sharedLimit) {
        FloatGemm floatGemm = CpuKernels.get().floatGemm();
        DoubleGemm doubleGemm = CpuKernels.get().doubleGemm();
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 2) != 0;
            boolean tb = (t & 1) != 0;
            int lda = ta ? m : K;
            int ldb = tb ? K : n;
            String what = m + " x " + n + " ta=" + ta + " tb=" + tb + " shared up to " + sharedLimit;
            Random r = new Random(t);
            float[] a = floats(r, m * K);
            float[] b = floats(r, K * n);
            float[] c0 = floats(r, m * n);
            float[][] floatResults = new float[2][];
            double[][] doubleResults = new double[2][];
            for (int threads = 1; threads <= 2; threads++) {
                Scratch[] scratch = {new Scratch(), new Scratch()};
                CpuThreads cpu = new CpuThreads(threads);
                float[] c = c0.clone();
                new FloatGemmRunner(floatGemm, scratch, cpu, sharedLimit)
                        .gemm(ta, tb, m, n, K, 0.5f, a, lda, b, ldb, 0.25f, c);
                floatResults[threads - 1] = c;
                double[] cd = widen(c0);
                new DoubleGemmRunner(doubleGemm, scratch, cpu, sharedLimit)
                        .gemm(ta, tb, m, n, K, 0.5, widen(a), lda, widen(b), ldb, 0.25, cd);
                doubleResults[threads - 1] = cd;
            }
            assertArrayEquals(floatResults[0], floatResults[1], "float32 " + what);
            assertArrayEquals(doubleResults[0], doubleResults[1], "float64 " + what);
            assertTrue(floatResults[0][0] != c0[0] && doubleResults[0][m * n - 1] != c0[m * n - 1],
                    "the product ran: " + what);
        }
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static float[] floats(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = 2 * r.nextFloat() - 1;
        }
        return x;
    }

    private static double[] doubles(Random r, int size) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = 2 * r.nextDouble() - 1;
        }
        return x;
    }
}
