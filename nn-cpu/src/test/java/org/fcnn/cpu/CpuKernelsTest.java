// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.api.Test;

/** Run-time kernel selection and the description the {@code backends} command shows. */
class CpuKernelsTest {
    @Test
    void theVectorKernelsRunExactlyWhenTheModuleIsPresent() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        String expected = System.getProperty("fcnn.test.vector");
        if (expected != null) {
            assertEquals(Boolean.parseBoolean(expected), present, "surefire run with/without the module");
        }
        String description = CpuKernels.get().description();
        assertEquals(present, description.startsWith("Vector API"), description);
        assertTrue(present || description.contains("--add-modules jdk.incubator.vector"), description);
    }

    @Test
    void deviceSaysWhichKernelsAndHowManyThreads() {
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(3))) {
            assertTrue(backend.device().contains(CpuKernels.get().description()), backend.device());
            assertTrue(backend.device().endsWith("3 threads"), backend.device());
        }
    }

    @Test
    void propertyFalseForcesThePlainKernels() {
        String old = System.getProperty(CpuKernels.VECTOR_PROPERTY);
        System.setProperty(CpuKernels.VECTOR_PROPERTY, "false");
        try {
            assertTrue(CpuKernels.select().description().startsWith("plain-Java"));
        } finally {
            if (old == null) {
                System.clearProperty(CpuKernels.VECTOR_PROPERTY);
            } else {
                System.setProperty(CpuKernels.VECTOR_PROPERTY, old);
            }
        }
    }

    @Test
    void largeProductsMatchTheSmallKernelOnBothPaths() {
        // Sizes past one cache block in every dimension, with ragged edges, every transpose case, 2 threads.
        checkLargeProducts(301, 517, 389, 0.5, 37);
    }

    @Test
    void productsThatReadAInPlaceMatchTheDefinition() {
        // At most fcnn.cpu.inPlaceAColumns (256) columns and alpha 1, as in a 784-128 layer's forward pass:
        // A's rows are read in place, but for a last panel of 301 - 300 rows; 200 columns leave a ragged
        // last panel of B; k = 1100 takes three blocks of KC, so the kernels add to C as well as set it.
        // Every row is checked: each row of a tile comes from its own row of A.
        checkLargeProducts(301, 200, 1100, 1.0, 1);
    }

    private static void checkLargeProducts(int m, int n, int k, double alpha, int rowStep) {
        for (CpuKernels kernels : new CpuKernels[] {CpuKernels.get(), new PlainCpuKernels("plain")}) {
            for (Precision p : Precision.values()) {
                try (CpuBackend backend = new CpuBackend(kernels, new CpuThreads(2))) {
                    for (int t = 0; t < 4; t++) {
                        boolean ta = (t & 2) != 0;
                        boolean tb = (t & 1) != 0;
                        java.util.Random r = new java.util.Random(t);
                        double[] a = random(r, m * k);
                        double[] b = random(r, k * n);
                        double[] c = random(r, m * n);
                        try (Matrix ma = backend.allocate(ta ? k : m, ta ? m : k, p);
                             Matrix mb = backend.allocate(tb ? n : k, tb ? k : n, p);
                             Matrix mc = backend.allocate(m, n, p)) {
                            backend.write(ma, a, 0);
                            backend.write(mb, b, 0);
                            backend.write(mc, c, 0);
                            backend.gemm(ta, tb, alpha, ma, mb, 0.25, mc);
                            double[] got = mc.toArray();
                            double[] sa = ma.toArray();
                            double[] sb = mb.toArray();
                            double[] sc = stored(c, p);
                            for (int i : sample(m, rowStep)) {
                                for (int j : sample(n, 13)) {
                                    double sum = 0;
                                    for (int q = 0; q < k; q++) {
                                        sum += (ta ? sa[q * m + i] : sa[i * k + q]) * (tb ? sb[j * k + q] : sb[q * n + j]);
                                    }
                                    double want = alpha * sum + 0.25 * sc[i * n + j];
                                    double tol = (p == Precision.FLOAT64 ? 1e-12 : 2e-5) * k;
                                    assertEquals(want, got[i * n + j], tol, kernels.description() + " " + p + " ta=" + ta
                                            + " tb=" + tb + " at " + i + "," + j);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Every {@code step}-th index of {@code [0, size)}, and the last one (the ragged edges). */
    private static int[] sample(int size, int step) {
        return java.util.stream.IntStream.concat(java.util.stream.IntStream.iterate(0, i -> i < size, i -> i + step),
                java.util.stream.IntStream.of(size - 1)).distinct().toArray();
    }

    private static double[] random(java.util.Random r, int size) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = 2 * r.nextDouble() - 1;
        }
        return x;
    }

    private static double[] stored(double[] x, Precision p) {
        double[] y = x.clone();
        if (p == Precision.FLOAT32) {
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) y[i];
            }
        }
        return y;
    }
}
