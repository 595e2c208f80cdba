// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
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
        // Through the backend: two threads cut C into bands of columns that share one packed A (or, tall, bands of
        // rows that share one packed B); one thread runs the product as one call. Each element is the same sum in
        // the same order either way.
        for (int[] shape : new int[][] {{M, N}, {N, M}}) {
            twoThreadsGiveTheBitsOfOne(shape[0], shape[1]);
        }
    }

    private static void twoThreadsGiveTheBitsOfOne(int m, int n) {
        for (Precision p : Precision.values()) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 2) != 0;
                boolean tb = (t & 1) != 0;
                double[][] results = new double[2][];
                for (int threads = 1; threads <= 2; threads++) {
                    try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(threads))) {
                        Random r = new Random(t);
                        try (Matrix ma = backend.allocate(ta ? K : m, ta ? m : K, p);
                             Matrix mb = backend.allocate(tb ? n : K, tb ? K : n, p);
                             Matrix mc = backend.allocate(m, n, p)) {
                            backend.write(ma, doubles(r, m * K), 0);
                            backend.write(mb, doubles(r, K * n), 0);
                            backend.write(mc, doubles(r, m * n), 0);
                            backend.gemm(ta, tb, 0.5, ma, mb, 0.25, mc);
                            results[threads - 1] = mc.toArray();
                        }
                    }
                }
                assertEquals(m * n, results[0].length);
                assertArrayEquals(results[0], results[1], m + " x " + n + " " + p + " ta=" + ta + " tb=" + tb);
            }
        }
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
