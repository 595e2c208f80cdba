// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conformance suite every backend passes. A backend module's test only subclasses it:
 * <pre>{@code
 * class CpuConformanceTest extends BackendConformanceTest {
 *     protected BackendProvider provider() { return new CpuBackendProvider(); }
 * }
 * }</pre>
 * One backend is opened for the whole class (device backends compile their programs once). When the
 * provider is unavailable the suite is skipped with the provider's reason, unless the backend is named in
 * the system property {@code fcnn.require} (comma-separated), in which case it fails: CI names the backends
 * its machine must run.
 *
 * <p>Every kernel is checked against {@link Reference}, plain double loops written from the definitions.
 * Tolerances: float64 kernels to {@code 1e-12} relative to the magnitude of the terms summed (double
 * rounding is 1.1e-16 per operation and no sum here has more than 130 terms); float32 kernels to
 * {@code 1e-5} relative to the same magnitude (float rounding is 6e-8 per operation, times up to 130 terms
 * is 7.8e-6). The tutorial's numbers in float64 are asserted to 1e-9, as the tutorial prints 10 digits.
 * The {@link org.fcnn.api.Predictor} and {@link ForwardContext} tests are in {@link PredictorConformance}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(BackendAvailableCondition.class)
public abstract class BackendConformanceTest implements PredictorConformance {
    /** System property listing backends that must not be skipped. */
    public static final String REQUIRE_PROPERTY = "fcnn.require";

    private static final int[] DIMS = {1, 7, 33, 130};
    private static final double[] X = {0.05, 0.10};
    private static final double[] T = {0.01, 0.99};

    private Backend backend;

    /** The provider of the backend under test. */
    protected abstract BackendProvider provider();

    @BeforeAll
    void openBackend() {
        BackendProvider provider = provider();
        Availability availability = provider.availability();
        if (!availability.available()) {
            if (required(provider.name())) {
                fail("backend '" + provider.name() + "' is required by -D" + REQUIRE_PROPERTY
                        + " but unavailable: " + availability.reason());
            }
            Assumptions.abort("backend '" + provider.name() + "' unavailable: " + availability.reason());
        }
        backend = provider.create();
    }

    @AfterAll
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** The backend under test, open for the whole class. */
    protected final Backend backend() {
        return backend;
    }

    @Override
    public final Backend backendUnderTest() {
        return backend;
    }

    static boolean required(String name) {
        String list = System.getProperty(REQUIRE_PROPERTY, "");
        Set<String> names = Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        return names.contains(name);
    }

    private void assumeSupported(Precision p) {
        if (!backend.supports(p)) {
            if (required(backend.name()) && p == Precision.FLOAT32) {
                fail(backend.name() + " must support float32");
            }
            Assumptions.abort(backend.name() + " on " + backend.device() + " does not support " + p);
        }
    }

    private static double tolerance(Precision p) {
        return p == Precision.FLOAT64 ? 1e-12 : 1e-5;
    }

    private Matrix upload(double[] values, int rows, int cols, Precision p) {
        Matrix m = backend.allocate(rows, cols, p);
        backend.write(m, values, 0);
        return m;
    }

    private static double[] random(Random r, int size, double scale) {
        double[] x = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = (2 * r.nextDouble() - 1) * scale;
        }
        return x;
    }

    /** Rounds to what a matrix of precision {@code p} stores, so references start from the same inputs. */
    private static double[] stored(double[] x, Precision p) {
        if (p == Precision.FLOAT64) {
            return x.clone();
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    /** Asserts {@code |actual - expected| <= tol * max(scale, 1e-3)} element by element, naming the element. */
    private static void assertClose(String what, double[] expected, double[] actual, double[] scale, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double bound = tol * Math.max(scale == null ? Math.abs(expected[i]) : scale[i], 1e-3);
            if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance "
                        + bound + ")");
            }
        }
    }

    // ------------------------------------------------------------------ memory

    @ParameterizedTest
    @EnumSource(Precision.class)
    void writeThenReadReturnsTheStoredValues(Precision p) {
        assumeSupported(p);
        double[] x = random(new Random(1), 7 * 33, 10);
        try (Matrix m = upload(x, 7, 33, p)) {
            double[] back = new double[x.length + 3];
            backend.read(m, back, 3);
            assertArrayEquals(stored(x, p), Arrays.copyOfRange(back, 3, back.length), 0);
            float[] f = new float[x.length];
            backend.read(m, f, 0);
            for (int i = 0; i < x.length; i++) {
                assertEquals((float) x[i], f[i], 0);
            }
        }
    }

    /**
     * {@link Backend#writeRows} stores the same values as gathering the rows into a host array and writing that:
     * rows by an order (repeated and out of sequence) and contiguous rows from a start, 37 columns (blocks of eight
     * and a rest), into a matrix written before (every element replaced).
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void writeRowsStoresTheRowsOfTheTableInOrder(Precision p) {
        assumeSupported(p);
        int cols = 37;
        int tableRows = 11;
        float[] table = new float[tableRows * cols];
        Random r = new Random(5);
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) (20 * r.nextDouble() - 10);
        }
        int[] order = {9, 4, 2, 10, 0, 7, 3, 7, 1};
        try (Matrix m = backend.allocate(6, cols, p)) {
            backend.fill(m, 0.5);
            backend.writeRows(m, table, order, 2);
            float[] want = new float[6 * cols];
            for (int i = 0; i < 6; i++) {
                System.arraycopy(table, order[2 + i] * cols, want, i * cols, cols);
            }
            float[] got = new float[want.length];
            backend.read(m, got, 0);
            assertArrayEquals(want, got, "rows by order from 2");
            backend.writeRows(m, table, null, 5);
            backend.read(m, got, 0);
            assertArrayEquals(Arrays.copyOfRange(table, 5 * cols, 11 * cols), got, "rows 5..10");
        }
    }

    /**
     * Bad rows: a NaN or an infinity is named by its table row and column (wherever it sits in the row); a row
     * index outside the table, an order too short and contiguous rows past the table's end are rejected before
     * anything is written; a frozen matrix is not written.
     */
    @Test
    void writeRowsRejectsNonFiniteValuesAndRowsOutsideTheTable() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        int cols = 13;
        float[] table = new float[8 * cols];
        Arrays.fill(table, 1f);
        try (Matrix m = backend.allocate(3, cols, p)) {
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                for (int col = 0; col < cols; col++) {
                    float[] t = table.clone();
                    t[6 * cols + col] = bad;
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> backend.writeRows(m, t, new int[] {1, 6, 2}, 0));
                    assertTrue(e.getMessage().contains("value " + col + " of table row 6"), e.getMessage());
                }
            }
            backend.fill(m, 0.25);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.writeRows(m, table, new int[] {0, 8, 1}, 0));
            assertTrue(e.getMessage().contains("order[1] = 8") && e.getMessage().contains("8 rows of 13"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.writeRows(m, table, new int[] {0, -1, 1}, 0));
            assertTrue(e.getMessage().contains("order[1] = -1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.writeRows(m, table, new int[] {0, 1, 2}, 1));
            assertTrue(e.getMessage().contains("past the order's 3 entries"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.writeRows(m, table, null, 6));
            assertTrue(e.getMessage().contains("rows [6, 9)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.writeRows(m, null, null, 0));
            double[] untouched = new double[3 * cols];
            Arrays.fill(untouched, 0.25);
            assertArrayEquals(untouched, m.toArray(), 0, "nothing written by a rejected index");
            backend.freeze(m);
            assertThrows(IllegalStateException.class, () -> backend.writeRows(m, table, null, 0));
        }
    }

    /** {@link org.fcnn.data.Dataset#load}: the samples and one-hot targets {@code gather} copies, in the matrices. */
    @Test
    void datasetLoadWritesWhatGatherCopies() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        float[] features = new float[10 * 6];
        for (int i = 0; i < features.length; i++) {
            features[i] = i * 0.25f - 3;
        }
        org.fcnn.data.Dataset data = org.fcnn.data.Dataset.classification(features, 6, new int[] {0, 2, 1, 2, 0, 1, 1, 0, 2, 2}, 3);
        int[] order = {8, 3, 5, 0, 9, 1};
        float[] x = new float[4 * 6];
        float[] t = new float[4 * 3];
        data.gather(order, 1, 4, x, t);
        try (Matrix mx = backend.allocate(4, 6, p); Matrix mt = backend.allocate(4, 3, p); Matrix wrong = backend.allocate(4, 5, p)) {
            data.load(backend, order, 1, mx, mt);
            float[] gotX = new float[x.length];
            float[] gotT = new float[t.length];
            backend.read(mx, gotX, 0);
            backend.read(mt, gotT, 0);
            assertArrayEquals(x, gotX);
            assertArrayEquals(t, gotT);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.load(backend, order, 1, wrong, mt));
            assertTrue(e.getMessage().contains("[4 x 5]") && e.getMessage().contains("[n x 6]"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void allocateZeroFillsAndFillAndCopyWork(Precision p) {
        assumeSupported(p);
        try (Matrix a = backend.allocate(33, 7, p); Matrix b = backend.allocate(33, 7, p)) {
            assertArrayEquals(new double[33 * 7], a.toArray(), 0);
            backend.fill(a, 0.25);
            backend.copy(a, b);
            double[] expected = new double[33 * 7];
            Arrays.fill(expected, 0.25);
            assertArrayEquals(expected, b.toArray(), 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void closingNetworksReturnsAllocatedBytesToWhereTheyStarted(Precision p) {
        assumeSupported(p);
        long before = backend.allocatedBytes();
        for (int i = 0; i < 20; i++) {
            try (Network net = Network.builder().input(13).dense(9, Activation.RELU).dropout(0.2)
                    .dense(4, Activation.SOFTMAX).optimizer(Optimizer.adam(0.01)).precision(p).backend(backend)
                    .build()) {
                float[] x = new float[5 * 13];
                float[] t = new float[5 * 4];
                for (int s = 0; s < 5; s++) {
                    t[s * 4 + s % 4] = 1;
                }
                net.trainBatch(x, t, 5);
                assertTrue(backend.allocatedBytes() > before, "a network holds backend memory");
            }
        }
        assertEquals(before, backend.allocatedBytes(), "allocated bytes after closing every network");
    }

    // ------------------------------------------------------------------ self-test

    /**
     * The device self-test's network (3-5-4-2, tanh, sigmoid, softmax cross-entropy, one SGD step) agrees
     * with its plain-Java reference on every backend: what a device backend must show before it is trusted
     * (see {@link SelfTest}). The result names no difference, and the backend stays usable afterwards.
     */
    @Test
    void selfTestPasses() {
        SelfTest.Result result = SelfTest.run(backend);
        assertTrue(result.passed(), result.detail());
        assertEquals("", result.detail());
        assertTrue(result.nanos() > 0);
        try (Matrix m = backend.allocate(1, 2, backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64)) {
            backend.write(m, new double[] {1, 2}, 0);
            assertEquals(2, m.toArray()[1], 0);
        }
    }

    // ------------------------------------------------------------------ matrix products

    static Stream<Arguments> gemmCases() {
        List<Arguments> cases = new ArrayList<>();
        // Products with up to 4 rows (one sample's forward pass, or a few: {3, 33, 130}, {4, 130, 130},
        // {2, 33, 67}) take the CPU backend's dot-product path when B is transposed.
        int[][] shapes = {{1, 1, 1}, {7, 33, 130}, {130, 7, 33}, {33, 130, 1}, {130, 130, 7}, {1, 130, 33},
            {33, 1, 7}, {130, 33, 130}, {3, 33, 130}, {4, 130, 130}, {2, 33, 67}};
        for (Precision p : Precision.values()) {
            for (int t = 0; t < 4; t++) {
                for (int[] s : shapes) {
                    cases.add(Arguments.of(p, (t & 2) != 0, (t & 1) != 0, s[0], s[1], s[2]));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2} m={3} n={4} k={5}")
    @MethodSource("gemmCases")
    void gemmMatchesTheDefinition(Precision p, boolean ta, boolean tb, int m, int n, int k) {
        assumeSupported(p);
        Random r = new Random(31L * m + 17L * n + k + (ta ? 1000 : 0) + (tb ? 2000 : 0));
        int ar = ta ? k : m;
        int ac = ta ? m : k;
        int br = tb ? n : k;
        int bc = tb ? k : n;
        double[] a = stored(random(r, ar * ac, 1), p);
        double[] b = stored(random(r, br * bc, 1), p);
        double[] c = stored(random(r, m * n, 1), p);
        double alpha = 0.75;
        double beta = m % 2 == 0 ? 0 : -0.5;
        try (Matrix ma = upload(a, ar, ac, p); Matrix mb = upload(b, br, bc, p); Matrix mc = upload(c, m, n, p)) {
            backend.gemm(ta, tb, alpha, ma, mb, beta, mc);
            double[] expected = Reference.gemm(ta, tb, alpha, a, ar, ac, b, br, bc, beta, c);
            double[] scale = Reference.gemmMagnitude(ta, tb, alpha, a, ar, ac, b, br, bc, beta, c);
            assertClose("gemm", expected, mc.toArray(), scale, tolerance(p));
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void gemmWithBetaZeroIgnoresOldContents(Precision p) {
        assumeSupported(p);
        try (Matrix a = upload(new double[] {1, 2, 3, 4}, 2, 2, p);
             Matrix b = upload(new double[] {1, 0, 0, 1}, 2, 2, p);
             Matrix c = upload(new double[] {1e30, -1e30, 7, 8}, 2, 2, p)) {
            backend.gemm(false, false, 1, a, b, 0, c);
            assertArrayEquals(new double[] {1, 2, 3, 4}, c.toArray(), 0);
        }
    }

    // ------------------------------------------------------------------ element-wise and row-wise kernels

    @ParameterizedTest
    @EnumSource(Precision.class)
    void addRowVectorAndColumnSums(Precision p) {
        assumeSupported(p);
        for (int rows : DIMS) {
            for (int cols : DIMS) {
                Random r = new Random(rows * 1000L + cols);
                double[] z = stored(random(r, rows * cols, 2), p);
                double[] bias = stored(random(r, cols, 2), p);
                try (Matrix mz = upload(z, rows, cols, p); Matrix mb = upload(bias, 1, cols, p);
                     Matrix sums = backend.allocate(1, cols, p)) {
                    backend.addRowVector(mz, mb);
                    double[] expected = new double[z.length];
                    double[] colSums = new double[cols];
                    double[] colAbs = new double[cols];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            expected[i * cols + j] = z[i * cols + j] + bias[j];
                        }
                    }
                    double[] stored = stored(expected, p);
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < cols; j++) {
                            colSums[j] += stored[i * cols + j];
                            colAbs[j] += Math.abs(stored[i * cols + j]);
                        }
                    }
                    assertClose("addRowVector [" + rows + "x" + cols + "]", expected, mz.toArray(), null,
                            tolerance(p));
                    backend.columnSums(mz, sums);
                    assertClose("columnSums [" + rows + "x" + cols + "]", colSums, sums.toArray(), colAbs,
                            tolerance(p));
                }
            }
        }
    }

    static Stream<Arguments> activationCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Activation f : Activation.values()) {
                cases.add(Arguments.of(p, f));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("activationCases")
    void activationAndItsGradientMatchTheDefinition(Precision p, Activation f) {
        assumeSupported(p);
        for (int rows : DIMS) {
            int cols = rows == 1 ? 130 : 7;
            Random r = new Random(rows + f.ordinal() * 100L);
            double[] z = stored(random(r, rows * cols, 4), p);
            double[] dA = stored(random(r, rows * cols, 1), p);
            double[] expectedA = f == Activation.SOFTMAX ? Reference.softmax(z, rows, cols) : new double[z.length];
            if (f != Activation.SOFTMAX) {
                for (int i = 0; i < z.length; i++) {
                    expectedA[i] = Reference.activate(f, z[i]);
                }
            }
            try (Matrix mz = upload(z, rows, cols, p); Matrix ma = backend.allocate(rows, cols, p);
                 Matrix mdA = upload(dA, rows, cols, p); Matrix mdZ = backend.allocate(rows, cols, p)) {
                backend.activate(f, mz, ma);
                double[] a = ma.toArray();
                double[] ones = new double[a.length];
                Arrays.fill(ones, 1);
                assertClose(f + " forward [" + rows + "x" + cols + "]", expectedA, a, ones, 4 * tolerance(p));
                // The gradient is checked from the backend's own A, so it tests the gradient kernel alone.
                double[] expectedDz = new double[a.length];
                double[] scale = new double[a.length];
                for (int row = 0; row < rows; row++) {
                    double dot = 0;
                    double dotAbs = 0;
                    for (int j = 0; j < cols; j++) {
                        dot += dA[row * cols + j] * a[row * cols + j];
                        dotAbs += Math.abs(dA[row * cols + j] * a[row * cols + j]);
                    }
                    for (int j = 0; j < cols; j++) {
                        int i = row * cols + j;
                        if (f == Activation.SOFTMAX) {
                            expectedDz[i] = a[i] * (dA[i] - dot);
                            scale[i] = Math.abs(a[i]) * (Math.abs(dA[i]) + dotAbs);
                        } else {
                            expectedDz[i] = dA[i] * Reference.derivativeFromOutput(f, a[i]);
                            scale[i] = Math.abs(dA[i]) * (1 + Math.abs(a[i]) + a[i] * a[i]);
                        }
                    }
                }
                backend.activationGradient(f, ma, mdA, mdZ);
                assertClose(f + " gradient [" + rows + "x" + cols + "]", expectedDz, mdZ.toArray(), scale,
                        4 * tolerance(p));
                backend.activationGradient(f, ma, mdA, mdA);
                assertClose(f + " gradient in place", expectedDz, mdA.toArray(), scale, 4 * tolerance(p));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void squaredErrorAndItsGradient(Precision p) {
        assumeSupported(p);
        for (int rows : DIMS) {
            int cols = 7;
            Random r = new Random(rows);
            double[] o = stored(random(r, rows * cols, 1), p);
            double[] t = stored(random(r, rows * cols, 1), p);
            double sum = 0;
            double[] grad = new double[o.length];
            for (int i = 0; i < o.length; i++) {
                sum += 0.5 * (t[i] - o[i]) * (t[i] - o[i]);
                grad[i] = (o[i] - t[i]) / rows;
            }
            try (Matrix mo = upload(o, rows, cols, p); Matrix mt = upload(t, rows, cols, p);
                 Matrix mg = backend.allocate(rows, cols, p)) {
                assertEquals(sum / rows, backend.loss(Loss.SQUARED_ERROR, mo, mt), tolerance(p) * (1 + sum / rows));
                backend.lossGradient(Loss.SQUARED_ERROR, mo, mt, mg);
                assertClose("squared error gradient", grad, mg.toArray(), null, 4 * tolerance(p));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void softmaxCrossEntropyAndItsGradient(Precision p) {
        assumeSupported(p);
        for (int rows : DIMS) {
            int cols = 10;
            Random r = new Random(rows + 5);
            double[] probs = stored(Reference.softmax(random(r, rows * cols, 3), rows, cols), p);
            double[] t = new double[rows * cols];
            double sum = 0;
            for (int i = 0; i < rows; i++) {
                int label = r.nextInt(cols);
                t[i * cols + label] = 1;
                sum -= Math.log(probs[i * cols + label]);
            }
            double[] grad = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                grad[i] = (probs[i] - t[i]) / rows;
            }
            try (Matrix mo = upload(probs, rows, cols, p); Matrix mt = upload(t, rows, cols, p);
                 Matrix mg = backend.allocate(rows, cols, p)) {
                double loss = backend.loss(Loss.SOFTMAX_CROSS_ENTROPY, mo, mt);
                assertEquals(sum / rows, loss, tolerance(p) * (1 + sum / rows), "cross-entropy of " + rows + " rows");
                backend.lossGradient(Loss.SOFTMAX_CROSS_ENTROPY, mo, mt, mg);
                assertClose("cross-entropy gradient", grad, mg.toArray(), null, 4 * tolerance(p));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void crossEntropyOfAZeroProbabilityIsLargeButFinite(Precision p) {
        assumeSupported(p);
        try (Matrix o = upload(new double[] {1, 0}, 1, 2, p); Matrix t = upload(new double[] {0, 1}, 1, 2, p)) {
            double loss = backend.loss(Loss.SOFTMAX_CROSS_ENTROPY, o, t);
            assertTrue(Double.isFinite(loss) && loss > 80, "clamped -log(0) is large and finite, got " + loss);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void dropoutDropsTheElementsItsSeedSelects(Precision p) {
        assumeSupported(p);
        int rows = 130;
        int cols = 33;
        double rate = 0.3;
        double[] a = stored(random(new Random(9), rows * cols, 1), p);
        try (Matrix ma = upload(a, rows, cols, p); Matrix mask = backend.allocate(rows, cols, p);
             Matrix out = backend.allocate(rows, cols, p)) {
            backend.dropout(ma, mask, out, rate, 1234);
            double[] m = mask.toArray();
            double[] o = out.toArray();
            int threshold = Dropout.threshold(rate);
            double scale = stored(new double[] {1 / (1 - rate)}, p)[0];
            int dropped = 0;
            for (int i = 0; i < m.length; i++) {
                boolean keep = Dropout.keep(1234, i, threshold);
                assertEquals(keep ? scale : 0, m[i], 0, "mask element " + i);
                assertEquals(stored(new double[] {a[i] * m[i]}, p)[0], o[i], tolerance(p), "output element " + i);
                dropped += keep ? 0 : 1;
            }
            double fraction = dropped / (double) m.length;
            assertEquals(rate, fraction, 0.03, "fraction dropped of " + m.length);
            backend.dropout(ma, mask, ma, rate, 1234);
            assertArrayEquals(o, ma.toArray(), 0, "dropout in place");
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void multiplyIsElementWise(Precision p) {
        assumeSupported(p);
        Random r = new Random(3);
        double[] a = stored(random(r, 33 * 7, 2), p);
        double[] b = stored(random(r, 33 * 7, 2), p);
        double[] expected = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            expected[i] = a[i] * b[i];
        }
        try (Matrix ma = upload(a, 33, 7, p); Matrix mb = upload(b, 33, 7, p)) {
            backend.multiply(ma, mb, ma);
            assertClose("multiply", expected, ma.toArray(), null, tolerance(p));
        }
    }

    // ------------------------------------------------------------------ a dense layer's fused passes

    /** {@code [n, in, out]}: the tutorial's size, and sizes past the CPU backend's tiny-layer path. */
    private static final int[][] LAYERS = {{1, 2, 2}, {7, 33, 5}, {130, 33, 70}};

    static Stream<Arguments> layerCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Activation f : Activation.values()) {
                for (int[] s : LAYERS) {
                    cases.add(Arguments.of(p, f, s[0], s[1], s[2]));
                }
            }
        }
        return cases.stream();
    }

    /** {@code f} over {@code z [rows x cols]}, from the definitions. */
    private static double[] activateAll(Activation f, double[] z, int rows, int cols) {
        if (f == Activation.SOFTMAX) {
            return Reference.softmax(z, rows, cols);
        }
        double[] a = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            a[i] = Reference.activate(f, z[i]);
        }
        return a;
    }

    /** {@code dZ = dA (.) f'} from the outputs {@code a}: the derivative, or softmax's Jacobian-vector product per row. */
    private static double[] deriveAll(Activation f, double[] a, double[] dA, int rows, int cols) {
        double[] dZ = new double[a.length];
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += dA[r * cols + j] * a[r * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                int i = r * cols + j;
                dZ[i] = f == Activation.SOFTMAX ? a[i] * (dA[i] - dot) : dA[i] * Reference.derivativeFromOutput(f, a[i]);
            }
        }
        return dZ;
    }

    /** An error scale of 1 per element, i.e. an absolute tolerance, for results of magnitude about 1 or less. */
    private static double[] ones(int n) {
        double[] x = new double[n];
        Arrays.fill(x, 1);
        return x;
    }

    /** Per row the largest element, as the error scale of a row-wise (softmax) result. */
    private static double[] rowMax(double[] x, int rows, int cols) {
        double[] m = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = 0;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs(x[r * cols + j]));
            }
            Arrays.fill(m, r * cols, (r + 1) * cols, max);
        }
        return m;
    }

    @ParameterizedTest(name = "{0} {1} n={2} in={3} out={4}")
    @MethodSource("layerCases")
    void denseForwardIsTheProductBiasAndActivation(Precision p, Activation f, int n, int in, int out) {
        assumeSupported(p);
        Random r = new Random(n * 7919L + in * 31L + out + f.ordinal() * 1000L);
        double[] x = stored(random(r, n * in, 1), p);
        double[] w = stored(random(r, out * in, 1), p);
        double[] b = stored(random(r, out, 1), p);
        for (boolean withBias : new boolean[] {true, false}) {
            double[] z = Reference.gemm(false, true, 1, x, n, in, w, out, in, 0, new double[n * out]);
            double[] scale = Reference.gemmMagnitude(false, true, 1, x, n, in, w, out, in, 0, new double[n * out]);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < out; j++) {
                    z[i * out + j] += withBias ? b[j] : 0;
                    scale[i * out + j] += withBias ? Math.abs(b[j]) : 0;
                }
            }
            // Each activation's slope is at most 1 (softmax: a change dz moves an output by at most 2 max|dz|).
            double[] expected = activateAll(f, z, n, out);
            double[] bound = f == Activation.SOFTMAX ? rowMax(scale, n, out) : scale;
            try (Matrix mx = upload(x, n, in, p); Matrix mw = upload(w, out, in, p); Matrix mb = upload(b, 1, out, p);
                 Matrix ma = backend.allocate(n, out, p)) {
                backend.fill(ma, 7);
                backend.denseForward(mx, mw, withBias ? mb : null, f, ma);
                double[] fused = ma.toArray();
                assertClose("denseForward " + f + (withBias ? " with bias" : " without bias"), expected, fused,
                        bound, 4 * tolerance(p));
                // The same as the separate calls, to a few roundings of the result (which the bound above,
                // scaled by the product's terms, would not notice).
                try (Matrix unfused = backend.allocate(n, out, p)) {
                    backend.gemm(false, true, 1, mx, mw, 0, unfused);
                    if (withBias) {
                        backend.addRowVector(unfused, mb);
                    }
                    backend.activate(f, unfused, unfused);
                    double[] u = unfused.toArray();
                    assertClose("denseForward " + f + " against gemm, addRowVector, activate", u, fused,
                            ones(u.length), 4 * tolerance(p));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} n={2} in={3} out={4}")
    @MethodSource("layerCases")
    void denseBackwardPassesMatchTheDefinitions(Precision p, Activation f, int n, int in, int out) {
        assumeSupported(p);
        Random r = new Random(n * 7907L + in * 37L + out + f.ordinal() * 1000L);
        double[] delta = stored(random(r, n * out, 1), p);
        double[] x = stored(random(r, n * in, 1), p);
        double[] w = stored(random(r, out * in, 1), p);
        double[] below = stored(activateAll(f, random(r, n * in, 3), n, in), p);
        double[] mask = new double[n * in];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r.nextInt(4) == 0 ? 0 : 2;
        }
        try (Matrix md = upload(delta, n, out, p); Matrix mx = upload(x, n, in, p); Matrix mw = upload(w, out, in, p);
             Matrix mbelow = upload(below, n, in, p); Matrix mmask = upload(mask, n, in, p);
             Matrix dW = backend.allocate(out, in, p); Matrix db = backend.allocate(1, out, p);
             Matrix dBelow = backend.allocate(n, in, p)) {
            backend.denseGradients(md, mx, dW, db);
            double[] zeros = new double[out * in];
            assertClose("dW = delta^T X", Reference.gemm(true, false, 1, delta, n, out, x, n, in, 0, zeros), dW.toArray(),
                    Reference.gemmMagnitude(true, false, 1, delta, n, out, x, n, in, 0, zeros), tolerance(p));
            double[] sums = new double[out];
            double[] sumsAbs = new double[out];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < out; j++) {
                    sums[j] += delta[i * out + j];
                    sumsAbs[j] += Math.abs(delta[i * out + j]);
                }
            }
            assertClose("db = column sums of delta", sums, db.toArray(), sumsAbs, tolerance(p));

            for (boolean masked : new boolean[] {false, true}) {
                double[] dA = Reference.gemm(false, false, 1, delta, n, out, w, out, in, 0, new double[n * in]);
                double[] dAbs = Reference.gemmMagnitude(false, false, 1, delta, n, out, w, out, in, 0, new double[n * in]);
                for (int i = 0; i < dA.length; i++) {
                    dA[i] *= masked ? mask[i] : 1;
                    dAbs[i] *= masked ? mask[i] : 1;
                }
                double[] expected = deriveAll(f, below, dA, n, in);
                // f' is at most 1 (softmax's product with the outputs at most 2 max|dA| per row).
                double[] scale = f == Activation.SOFTMAX ? rowMax(dAbs, n, in) : dAbs;
                backend.fill(dBelow, 7);
                backend.backpropagate(md, mw, masked ? mmask : null, f, mbelow, dBelow);
                double[] fused = dBelow.toArray();
                assertClose("backpropagate " + f + (masked ? " through a mask" : ""), expected, fused, scale,
                        4 * tolerance(p));
                try (Matrix unfused = backend.allocate(n, in, p)) {
                    backend.gemm(false, false, 1, md, mw, 0, unfused);
                    if (masked) {
                        backend.multiply(unfused, mmask, unfused);
                    }
                    backend.activationGradient(f, mbelow, unfused, unfused);
                    double[] u = unfused.toArray();
                    assertClose("backpropagate " + f + " against gemm, multiply, activationGradient", u, fused,
                            ones(u.length), 4 * tolerance(p));
                }
            }
        }
    }

    static Stream<Arguments> outputDeltaCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Activation f : Activation.values()) {
                cases.add(Arguments.of(p, Loss.SQUARED_ERROR, f));
            }
            cases.add(Arguments.of(p, Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("outputDeltaCases")
    void outputDeltaIsTheLossGradientThroughTheActivation(Precision p, Loss loss, Activation f) {
        assumeSupported(p);
        for (int rows : DIMS) {
            int cols = rows == 1 ? 2 : 10;
            Random r = new Random(rows * 13L + f.ordinal() + loss.ordinal() * 100L);
            double[] o = stored(activateAll(f, random(r, rows * cols, 3), rows, cols), p);
            double[] t = stored(random(r, rows * cols, 1), p);
            double[] grad = new double[o.length];
            for (int i = 0; i < o.length; i++) {
                grad[i] = (o[i] - t[i]) / rows;
            }
            double[] expected = loss == Loss.SOFTMAX_CROSS_ENTROPY ? grad : deriveAll(f, o, grad, rows, cols);
            double[] scale = rowMax(Reference.abs(grad), rows, cols);
            try (Matrix mo = upload(o, rows, cols, p); Matrix mt = upload(t, rows, cols, p);
                 Matrix md = backend.allocate(rows, cols, p)) {
                backend.outputDelta(loss, f, mo, mt, md);
                assertClose("outputDelta " + loss + " " + f + " [" + rows + "x" + cols + "]", expected, md.toArray(),
                        scale, 4 * tolerance(p));
            }
        }
    }

    @Test
    void fusedLayerPassesRejectMismatchedShapesAndAliases() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        try (Matrix x = backend.allocate(4, 3, p); Matrix w = backend.allocate(5, 3, p); Matrix a = backend.allocate(4, 5, p);
             Matrix wrongBias = backend.allocate(1, 3, p); Matrix dW = backend.allocate(5, 3, p);
             Matrix dX = backend.allocate(4, 3, p)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.denseForward(x, w, null, Activation.SIGMOID, dX));
            assertTrue(e.getMessage().contains("denseForward") && e.getMessage().contains("[4 x 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.denseForward(x, w, wrongBias, Activation.SIGMOID, a));
            assertTrue(e.getMessage().contains("bias must be [1 x 5]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> backend.denseGradients(a, x, dX, null));
            assertTrue(e.getMessage().contains("denseGradients") && e.getMessage().contains("dW [4 x 3]"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.backpropagate(a, w, null, Activation.TANH, dX, dX));
            assertTrue(e.getMessage().contains("separate"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SIGMOID, a, a, a));
            assertTrue(e.getMessage().contains("softmax"), e.getMessage());
            backend.denseForward(x, w, null, Activation.SIGMOID, a);
            backend.denseGradients(a, x, dW, null);
            backend.backpropagate(a, w, null, Activation.TANH, x, dX);
        }
    }

    // ------------------------------------------------------------------ a whole training step, fused

    /** Stacks for {@code sgdStep}: tiny ones (one call on the CPU backend) and larger ones (composed). */
    static Stream<Arguments> sgdStepCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            // sizes, activations, loss, batch, bias mode (0 none, 1 frozen, 2 trainable)
            cases.add(Arguments.of(p, new int[] {2, 2, 2}, new Activation[] {Activation.SIGMOID, Activation.SIGMOID},
                    Loss.SQUARED_ERROR, 1, 1));
            cases.add(Arguments.of(p, new int[] {3, 4, 2}, new Activation[] {Activation.TANH, Activation.SOFTMAX},
                    Loss.SOFTMAX_CROSS_ENTROPY, 3, 2));
            cases.add(Arguments.of(p, new int[] {4, 5, 3, 2},
                    new Activation[] {Activation.RELU, Activation.SIGMOID, Activation.IDENTITY}, Loss.SQUARED_ERROR, 2, 0));
            cases.add(Arguments.of(p, new int[] {3, 3}, new Activation[] {Activation.SOFTMAX}, Loss.SQUARED_ERROR, 2, 2));
            cases.add(Arguments.of(p, new int[] {20, 33, 10}, new Activation[] {Activation.SIGMOID, Activation.SOFTMAX},
                    Loss.SOFTMAX_CROSS_ENTROPY, 7, 2));
            cases.add(Arguments.of(p, new int[] {130, 40, 7}, new Activation[] {Activation.TANH, Activation.IDENTITY},
                    Loss.SQUARED_ERROR, 33, 1));
        }
        return cases.stream();
    }

    /** The matrices of one stack, filled from a seed, so that two identical copies can be stepped two ways. */
    private final class StackFixture implements AutoCloseable {
        final List<Matrix> all = new ArrayList<>();
        final int layers;
        final Matrix x;
        final Matrix t;
        final Matrix[] w;
        final Matrix[] b;
        final Matrix[] a;
        final Matrix[] d;
        final Matrix[] dW;
        final Matrix[] db;
        final Activation[] f;

        StackFixture(Precision p, int[] sizes, Activation[] f, int n, int biasMode, long seed) {
            Random r = new Random(seed);
            layers = sizes.length - 1;
            this.f = f;
            w = new Matrix[layers];
            b = new Matrix[layers];
            a = new Matrix[layers];
            d = new Matrix[layers];
            dW = new Matrix[layers];
            db = new Matrix[layers];
            x = keep(upload(random(r, n * sizes[0], 1), n, sizes[0], p));
            double[] target = random(r, n * sizes[layers], 1);
            for (int i = 0; i < target.length; i++) {
                target[i] = Math.abs(target[i]);
            }
            t = keep(upload(target, n, sizes[layers], p));
            for (int i = 0; i < layers; i++) {
                w[i] = keep(upload(random(r, sizes[i + 1] * sizes[i], 0.8), sizes[i + 1], sizes[i], p));
                b[i] = biasMode == 0 ? null : keep(upload(random(r, sizes[i + 1], 0.5), 1, sizes[i + 1], p));
                db[i] = biasMode == 2 ? keep(backend.allocate(1, sizes[i + 1], p)) : null;
                a[i] = keep(backend.allocate(n, sizes[i + 1], p));
                d[i] = keep(backend.allocate(n, sizes[i + 1], p));
                dW[i] = keep(backend.allocate(sizes[i + 1], sizes[i], p));
            }
        }

        private Matrix keep(Matrix m) {
            all.add(m);
            return m;
        }

        DenseStack stack() {
            return new DenseStack(x, t, w, b, f, a, d, dW, db);
        }

        /** The step as its documented composition of public calls. */
        double composed(Loss loss, double lr, double wd) {
            int last = layers - 1;
            for (int i = 0; i < layers; i++) {
                backend.denseForward(i == 0 ? x : a[i - 1], w[i], b[i], f[i], a[i]);
            }
            double e = backend.loss(loss, a[last], t);
            backend.outputDelta(loss, f[last], a[last], t, d[last]);
            for (int i = last; i >= 0; i--) {
                backend.denseGradients(d[i], i == 0 ? x : a[i - 1], dW[i], db[i]);
                if (i > 0) {
                    backend.backpropagate(d[i], w[i], null, f[i - 1], a[i - 1], d[i - 1]);
                }
            }
            for (int i = 0; i < layers; i++) {
                backend.sgdUpdate(w[i], dW[i], lr, wd);
                if (db[i] != null) {
                    backend.sgdUpdate(b[i], db[i], lr, wd);
                }
            }
            return e;
        }

        @Override
        public void close() {
            all.forEach(Matrix::close);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} n={4} bias={5}")
    @MethodSource("sgdStepCases")
    void sgdStepEqualsItsComposition(Precision p, int[] sizes, Activation[] f, Loss loss, int n, int biasMode) {
        assumeSupported(p);
        long seed = Arrays.hashCode(sizes) * 31L + n + biasMode;
        try (StackFixture fused = new StackFixture(p, sizes, f, n, biasMode, seed);
             StackFixture composed = new StackFixture(p, sizes, f, n, biasMode, seed)) {
            DenseStack stack = fused.stack();
            for (int step = 0; step < 3; step++) {
                double e = backend.sgdStep(stack, loss, 0.3, step == 2 ? 0.01 : 0);
                double expected = composed.composed(loss, 0.3, step == 2 ? 0.01 : 0);
                // The same calls in the same order: equal to a few roundings of values of magnitude <= ~1.
                String at = "step " + step + ": ";
                assertEquals(expected, e, 4 * tolerance(p) * Math.max(1, Math.abs(expected)), at + "loss");
                for (int i = 0; i < fused.layers; i++) {
                    String l = at + "layer " + i + " ";
                    assertCloseAbs(l + "A", composed.a[i], fused.a[i], p);
                    assertCloseAbs(l + "delta", composed.d[i], fused.d[i], p);
                    assertCloseAbs(l + "dW", composed.dW[i], fused.dW[i], p);
                    assertCloseAbs(l + "W after the update", composed.w[i], fused.w[i], p);
                    if (fused.b[i] != null) {
                        assertCloseAbs(l + "bias after the update", composed.b[i], fused.b[i], p);
                    }
                    if (fused.db[i] != null) {
                        assertCloseAbs(l + "db", composed.db[i], fused.db[i], p);
                    }
                }
            }
        }
    }

    private static void assertCloseAbs(String what, Matrix expected, Matrix actual, Precision p) {
        double[] e = expected.toArray();
        assertClose(what, e, actual.toArray(), ones(e.length), 4 * tolerance(p));
    }

    @Test
    void sgdStepAndDenseStackRejectBadArguments() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        Activation[] f = {Activation.SIGMOID, Activation.SIGMOID};
        try (StackFixture s = new StackFixture(p, new int[] {2, 3, 2}, f, 1, 2, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DenseStack(s.x, s.t, s.w, s.b, f, new Matrix[] {s.a[0], s.d[1]}, s.d, s.dW, s.db));
            assertTrue(e.getMessage().contains("layer 1: A") && e.getMessage().contains("delta"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new DenseStack(s.x, s.t, new Matrix[] {s.w[0], s.dW[0]}, s.b, f, s.a, s.d, s.dW, s.db));
            assertTrue(e.getMessage().contains("layer 1: W must be [3 x 3], got [3 x 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new DenseStack(s.x, s.a[1], s.w, s.b, f, s.a, s.d, s.dW, s.db));
            assertTrue(e.getMessage().contains("same matrix"), e.getMessage());
            DenseStack stack = s.stack();
            e = assertThrows(IllegalArgumentException.class, () -> backend.sgdStep(stack, Loss.SQUARED_ERROR, Double.NaN, 0));
            assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> backend.sgdStep(stack, Loss.SOFTMAX_CROSS_ENTROPY, 0.1, 0));
            assertTrue(e.getMessage().contains("softmax"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backend.sgdStep(stack, null, 0.1, 0));
            double[] before = s.w[0].toArray();
            s.d[0].close();
            IllegalStateException closed = assertThrows(IllegalStateException.class,
                    () -> backend.sgdStep(stack, Loss.SQUARED_ERROR, 0.1, 0));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertArrayEquals(before, s.w[0].toArray(), "a refused step changes nothing");
        }
    }

    /**
     * A frozen matrix reads, and serves as an operand, exactly as before (the CPU backend then reads a 300 x 790
     * float32 W from a cache-line-aligned copy for products of few rows: the sizes make that copy), and every
     * call that would write it throws naming it, changing nothing.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void aFrozenMatrixReadsAsBeforeAndRefusesWrites(Precision p) {
        assumeSupported(p);
        int out = 300;
        int in = 790;
        Random r = new Random(91);
        try (Matrix w = upload(random(r, out * in, 1), out, in, p);
             Matrix bias = upload(random(r, out, 0.5), 1, out, p);
             Matrix x = upload(random(r, 4 * in, 1), 4, in, p);
             Matrix x1 = upload(Arrays.copyOf(x.toArray(), in), 1, in, p);
             Matrix a = backend.allocate(4, out, p);
             Matrix a1 = backend.allocate(1, out, p);
             Matrix c = backend.allocate(4, out, p);
             Matrix other = backend.allocate(out, in, p)) {
            double[] values = w.toArray();
            backend.denseForward(x, w, bias, Activation.RELU, a);
            backend.denseForward(x1, w, bias, Activation.TANH, a1);
            backend.gemm(false, true, 1, x, w, 0, c);
            double[] forward4 = a.toArray();
            double[] forward1 = a1.toArray();
            double[] product = c.toArray();
            assertFalse(w.isFrozen());
            backend.freeze(w);
            backend.freeze(w); // idempotent
            backend.freeze(bias);
            assertTrue(w.isFrozen() && w.toString().contains("frozen"), w.toString());

            assertArrayEquals(values, w.toArray(), 0, "a frozen matrix reads its values");
            backend.denseForward(x, w, bias, Activation.RELU, a);
            backend.denseForward(x1, w, bias, Activation.TANH, a1);
            backend.gemm(false, true, 1, x, w, 0, c);
            assertArrayEquals(forward4, a.toArray(), 0, "4 rows, bit for bit");
            assertArrayEquals(forward1, a1.toArray(), 0, "1 row, bit for bit");
            assertArrayEquals(product, c.toArray(), 0, "X W^T, bit for bit");
            backend.copy(w, other);
            assertArrayEquals(values, other.toArray(), 0, "copied from");

            List<org.junit.jupiter.api.function.Executable> writes = List.of(
                    () -> backend.write(w, new double[out * in], 0),
                    () -> backend.write(w, new float[out * in], 0),
                    () -> backend.fill(w, 0),
                    () -> backend.copy(other, w),
                    () -> backend.gemm(false, true, 1, x, x, 0, w),
                    () -> backend.addRowVector(w, bias),
                    () -> backend.activate(Activation.RELU, other, w),
                    () -> backend.denseForward(x1, w, bias, Activation.RELU, bias),
                    () -> backend.sgdUpdate(w, other, 0.1, 0),
                    () -> backend.momentumUpdate(other, other, w, 0.1, 0.9, 0),
                    () -> backend.adamUpdate(other, other, w, other, 0.1, 0.9, 0.999, 1e-8, 1, 0));
            for (int i = 0; i < writes.size(); i++) {
                IllegalStateException e = assertThrows(IllegalStateException.class, writes.get(i), "write " + i);
                assertTrue(e.getMessage().contains("frozen") && e.getMessage().contains("[" + out + " x " + in + "]")
                        || e.getMessage().contains("frozen") && e.getMessage().contains("[1 x " + out + "]"),
                        "write " + i + ": " + e.getMessage());
            }
            assertArrayEquals(values, w.toArray(), 0, "refused writes changed nothing");
            ForwardContext context = backend.forwardContext();
            if (context != null) {
                try (context) {
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> context.write(w, 1, new float[in], 0));
                    assertTrue(e.getMessage().contains("frozen"), e.getMessage());
                    context.denseForward(1, x1, w, bias, Activation.TANH, a1);
                    assertArrayEquals(forward1, a1.toArray(), 0, "a context reads the frozen W bit for bit");
                }
            }
        }
        Activation[] f = {Activation.SIGMOID, Activation.SIGMOID};
        try (StackFixture s = new StackFixture(p, new int[] {2, 3, 2}, f, 1, 2, 1)) {
            backend.freeze(s.w[1]);
            double[] before = s.w[0].toArray();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> backend.sgdStep(s.stack(), Loss.SQUARED_ERROR, 0.1, 0));
            assertTrue(e.getMessage().contains("W_1 [2 x 3]") && e.getMessage().contains("frozen"), e.getMessage());
            assertArrayEquals(before, s.w[0].toArray(), 0, "a refused step changes nothing");
        }
    }

    // ------------------------------------------------------------------ parameter updates

    @ParameterizedTest
    @EnumSource(Precision.class)
    void optimizerUpdatesMatchTheirDefinitions(Precision p) {
        assumeSupported(p);
        int rows = 33;
        int cols = 7;
        Random r = new Random(77);
        double[] p0 = stored(random(r, rows * cols, 1), p);
        double[] g1 = stored(random(r, rows * cols, 1), p);
        double[] g2 = stored(random(r, rows * cols, 1), p);
        double lr = 0.1;
        double wd = 0.01;
        // SGD
        double[] expected = p0.clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] -= lr * (g1[i] + wd * expected[i]);
        }
        try (Matrix param = upload(p0, rows, cols, p); Matrix grad = upload(g1, rows, cols, p)) {
            backend.sgdUpdate(param, grad, lr, wd);
            assertClose("sgd", expected, param.toArray(), null, 4 * tolerance(p));
        }
        // Momentum, two steps
        double mu = 0.9;
        double[] w = p0.clone();
        double[] v = new double[w.length];
        for (double[] g : List.of(g1, g2)) {
            for (int i = 0; i < w.length; i++) {
                v[i] = mu * v[i] + g[i] + wd * w[i];
                w[i] -= lr * v[i];
            }
        }
        try (Matrix param = upload(p0, rows, cols, p); Matrix grad = upload(g1, rows, cols, p);
             Matrix vel = backend.allocate(rows, cols, p)) {
            backend.momentumUpdate(param, grad, vel, lr, mu, wd);
            backend.write(grad, g2, 0);
            backend.momentumUpdate(param, grad, vel, lr, mu, wd);
            assertClose("momentum", w, param.toArray(), null, 8 * tolerance(p));
        }
        // Adam, two steps
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        w = p0.clone();
        double[] m1 = new double[w.length];
        double[] m2 = new double[w.length];
        int step = 0;
        for (double[] g : List.of(g1, g2)) {
            step++;
            for (int i = 0; i < w.length; i++) {
                double gi = g[i] + wd * w[i];
                m1[i] = b1 * m1[i] + (1 - b1) * gi;
                m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
                double mHat = m1[i] / (1 - Math.pow(b1, step));
                double vHat = m2[i] / (1 - Math.pow(b2, step));
                w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        try (Matrix param = upload(p0, rows, cols, p); Matrix grad = upload(g1, rows, cols, p);
             Matrix mm = backend.allocate(rows, cols, p); Matrix vv = backend.allocate(rows, cols, p)) {
            backend.adamUpdate(param, grad, mm, vv, lr, b1, b2, eps, 1, wd);
            backend.write(grad, g2, 0);
            backend.adamUpdate(param, grad, mm, vv, lr, b1, b2, eps, 2, wd);
            double[] ones = new double[w.length];
            Arrays.fill(ones, 1);
            assertClose("adam", w, param.toArray(), ones, 8 * tolerance(p));
        }
    }

    // ------------------------------------------------------------------ threads

    /**
     * A network is not thread-safe, and says so by failing fast: two threads train one network at once;
     * every call that finds the other thread inside fails with an {@link IllegalStateException} naming both
     * threads (and nothing else is thrown), and the calls that got in ran one at a time, so the weights equal,
     * bit for bit, those of a second network trained alone by as many calls.
     */
    @Test
    void aNetworkUsedByTwoThreadsAtOnceRefusesTheSecondAndStaysExact() throws InterruptedException {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        Random r = new Random(5);
        double[] x = random(r, 8 * 6, 1);
        double[] t = random(r, 8 * 3, 1);
        java.util.function.Supplier<Network> build = () -> Network.builder().input(6).dense(12, Activation.TANH)
                .dense(3, Activation.IDENTITY).loss(Loss.SQUARED_ERROR).optimizer(Optimizer.momentum(0.05, 0.9))
                .precision(p).seed(11).backend(backend).build();
        try (Network shared = build.get(); Network alone = build.get()) {
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            java.util.Queue<Throwable> unexpected = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            long deadline = System.nanoTime() + 20_000_000_000L;
            Runnable worker = () -> {
                try {
                    start.await();
                    // until each thread has been refused a few times (normally within the first calls)
                    for (int i = 0; i < 200_000 && System.nanoTime() < deadline && refused.get() < 20; i++) {
                        try {
                            shared.trainBatch(x, t, 8);
                            calls.incrementAndGet();
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                            String me = Thread.currentThread().getName();
                            if (!e.getMessage().contains("not thread-safe") || !e.getMessage().contains("'" + me + "'")
                                    || !e.getMessage().contains("trainBatch")) {
                                unexpected.add(e);
                            }
                        }
                    }
                } catch (Throwable e) {
                    unexpected.add(e);
                }
            };
            Thread a = new Thread(worker, "trainer-a");
            Thread b = new Thread(worker, "trainer-b");
            a.start();
            b.start();
            a.join();
            b.join();
            assertTrue(unexpected.isEmpty(), () -> "only IllegalStateExceptions naming the threads: " + unexpected);
            assertTrue(refused.get() > 0, "the second thread was refused at least once in " + calls.get() + " calls");
            for (int i = 0; i < calls.get(); i++) {
                alone.trainBatch(x, t, 8);
            }
            assertEquals(alone.steps(), shared.steps());
            for (int l = 0; l < 2; l++) {
                assertArrayEquals(alone.layer(l).weights(), shared.layer(l).weights(), "layer " + l + " after "
                        + calls.get() + " calls that got in (" + refused.get() + " refused)");
            }
        }
    }

    // ------------------------------------------------------------------ the tutorial

    private Network tutorial(Precision p) {
        Network net = Network.builder()
                .input(2)
                .dense(2, Activation.SIGMOID, Bias.frozen(0.35))
                .dense(2, Activation.SIGMOID, Bias.frozen(0.60))
                .loss(Loss.SQUARED_ERROR)
                .optimizer(Optimizer.sgd(0.5))
                .precision(p)
                .backend(backend)
                .build();
        net.layer(0).setWeights(new double[][] {{0.15, 0.20}, {0.25, 0.30}});
        net.layer(1).setWeights(new double[][] {{0.40, 0.45}, {0.50, 0.55}});
        return net;
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void tutorialFirstStepMatchesTheArticle(Precision p) {
        assumeSupported(p);
        // float64: the article's 10 printed digits, 1e-9. float32: 1e-6 absolute, i.e. about 1e-5 relative on
        // values of order 0.1 to 1 after a handful of float operations (6e-8 each).
        double tol = p == Precision.FLOAT64 ? 1e-9 : 1e-6;
        try (Network net = tutorial(p)) {
            double e = net.trainStep(X, T);
            double[] y = net.layerOutput(0);
            double[] o = net.layerOutput(1);
            assertEquals(0.5932699921, y[0], tol, "Y1");
            assertEquals(0.5968843783, y[1], tol, "Y2");
            assertEquals(0.7513650696, o[0], tol, "O1");
            assertEquals(0.7729284653, o[1], tol, "O2");
            assertEquals(0.2983711088, e, tol, "E");
            assertEquals(0.0821670406, net.layer(1).weightGradient()[0], tol, "dE/dW2_11");
            assertEquals(0.000438568, net.layer(0).weightGradient()[0], 1e-9, "dE/dW1_11 (the article prints 9 decimals)");
            assertArrayEquals(new double[] {0.3589164797, 0.4086661861, 0.51130127023, 0.5613701211},
                    net.layer(1).weights(), tol, "W2 after one step");
            assertArrayEquals(new double[] {0.1497807161, 0.1995614323, 0.2497511436, 0.2995022873},
                    net.layer(0).weights(), tol, "W1 after one step");
            assertArrayEquals(new double[] {0.35, 0.35}, net.layer(0).biases(), p == Precision.FLOAT64 ? 0 : 1e-7,
                    "K1 stays frozen");
            assertArrayEquals(new double[] {0.60, 0.60}, net.layer(1).biases(), p == Precision.FLOAT64 ? 0 : 1e-7,
                    "K2 stays frozen");
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void tutorialAfterTenThousandStepsMatchesTheArticle(Precision p) {
        assumeSupported(p);
        // float64: 1e-9 relative, as the article states. float32: 10,000 steps of float rounding drift by about
        // 1e-4 relative in E (measured on the CPU backend: 3e-5), so 1e-3 relative on E and 1e-5 absolute on O.
        double relE = p == Precision.FLOAT64 ? 1e-9 : 1e-3;
        double absO = p == Precision.FLOAT64 ? 1e-11 : 1e-5;
        try (Network net = tutorial(p)) {
            for (int i = 0; i < 10_000; i++) {
                net.trainStep(X, T);
            }
            double[] o = net.predict(X);
            double e = 0.5 * ((T[0] - o[0]) * (T[0] - o[0]) + (T[1] - o[1]) * (T[1] - o[1]));
            assertEquals(0.0159136204436, o[0], absO, "O1 after 10,000 steps");
            assertEquals(0.984064273515, o[1], absO, "O2 after 10,000 steps");
            assertEquals(3.51018778298e-05, e, 3.51018778298e-05 * relE, "E after 10,000 steps");
        }
    }

    // ------------------------------------------------------------------ whole-network gradient checks

    static Stream<Arguments> gradientCheckCases() {
        return Stream.of(
                Arguments.of(Activation.SIGMOID, Activation.SIGMOID, Loss.SQUARED_ERROR),
                Arguments.of(Activation.TANH, Activation.IDENTITY, Loss.SQUARED_ERROR),
                Arguments.of(Activation.RELU, Activation.TANH, Loss.SQUARED_ERROR),
                Arguments.of(Activation.IDENTITY, Activation.SIGMOID, Loss.SQUARED_ERROR),
                Arguments.of(Activation.TANH, Activation.SOFTMAX, Loss.SQUARED_ERROR),
                Arguments.of(Activation.RELU, Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY),
                Arguments.of(Activation.SIGMOID, Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY));
    }

    /**
     * Back-propagation against central finite differences of the loss, for every weight and trainable bias
     * of a 3-5-4-3 network on a batch of 4, in float64: {@code h = 1e-6} gives a truncation error of order
     * {@code h^2 = 1e-12} and a rounding error of order {@code 1e-16 / h = 1e-10}, so 1e-7 relative is safe.
     */
    @ParameterizedTest(name = "{0} hidden, {1} output, {2}")
    @MethodSource("gradientCheckCases")
    void backpropagationMatchesFiniteDifferences(Activation hidden, Activation output, Loss loss) {
        assumeSupported(Precision.FLOAT64);
        Random r = new Random(hidden.ordinal() * 10L + output.ordinal());
        int n = 4;
        double[] x = random(r, n * 3, 1);
        double[] t = new double[n * 3];
        for (int s = 0; s < n; s++) {
            if (output == Activation.SOFTMAX) {
                t[s * 3 + r.nextInt(3)] = 1;
            } else {
                for (int j = 0; j < 3; j++) {
                    t[s * 3 + j] = output == Activation.SIGMOID ? r.nextDouble() : 2 * r.nextDouble() - 1;
                }
            }
        }
        try (Network net = Network.builder().input(3).dense(5, hidden).dense(4, hidden, Bias.frozen(0.1))
                .dense(3, output).loss(loss).precision(Precision.FLOAT64).seed(r.nextLong()).backend(backend)
                .optimizer(Optimizer.sgd(1e-300)).build()) {
            // A tiny learning rate: trainBatch computes the gradients and leaves the parameters unchanged in
            // effect (changes of 1e-300 vanish), so the gradients belong to the current parameters.
            net.trainBatch(x, t, n);
            for (int l = 0; l < 3; l++) {
                var layer = net.layer(l);
                checkGradient("dE/dW of layer " + l, layer.weightGradient(), layer.weights(), layer::setWeights,
                        () -> net.evaluateLoss(x, t, n));
                if (layer.bias().isTrainable()) {
                    checkGradient("dE/db of layer " + l, layer.biasGradient(), layer.biases(), layer::setBiases,
                            () -> net.evaluateLoss(x, t, n));
                } else {
                    assertArrayEquals(new double[layer.outputs()], layer.biasGradient(), 0, "frozen bias has no gradient");
                }
            }
        }
    }

    /**
     * Back-propagation through dropout against finite differences, in float64. In training mode every
     * forward pass before the next optimizer step drops the same nodes, so the loss of a training forward
     * pass is a smooth function of the weights to difference; tolerance as above.
     */
    @Test
    void backpropagationThroughDropoutMatchesFiniteDifferences() {
        assumeSupported(Precision.FLOAT64);
        Random r = new Random(21);
        int n = 6;
        double[] x = random(r, n * 5, 1);
        double[] t = new double[n * 3];
        for (int s = 0; s < n; s++) {
            t[s * 3 + r.nextInt(3)] = 1;
        }
        try (Network net = Network.builder().input(5).dense(16, Activation.TANH).dropout(0.5)
                .dense(3, Activation.SOFTMAX).precision(Precision.FLOAT64).seed(3).backend(backend).build();
             Matrix mx = upload(x, n, 5, Precision.FLOAT64); Matrix mt = upload(t, n, 3, Precision.FLOAT64)) {
            net.setTraining(true);
            java.util.function.DoubleSupplier loss = () -> {
                net.forward(mx);
                return net.loss(mt);
            };
            double dropped = loss.getAsDouble();
            net.backward(mt);
            for (int l = 0; l < 2; l++) {
                var layer = net.layer(l);
                checkGradient("dE/dW of layer " + l + " with dropout", layer.weightGradient(), layer.weights(),
                        layer::setWeights, loss);
                checkGradient("dE/db of layer " + l + " with dropout", layer.biasGradient(), layer.biases(),
                        layer::setBiases, loss);
            }
            net.setTraining(false);
            net.forward(mx);
            double full = net.loss(mt);
            assertTrue(Math.abs(full - dropped) > 1e-6, "dropout changes the training loss (" + dropped + " vs " + full + ")");
            double[] p1 = net.predict(Arrays.copyOf(x, 5));
            double[] p2 = net.predict(Arrays.copyOf(x, 5));
            assertArrayEquals(p1, p2, 0, "no dropout at inference");
        }
    }

    /** Compares {@code analytic} with central differences of {@code loss} over each of {@code params}. */
    private static void checkGradient(String what, double[] analytic, double[] params,
                                      java.util.function.Consumer<double[]> set,
                                      java.util.function.DoubleSupplier loss) {
        double h = 1e-6;
        for (int i = 0; i < params.length; i++) {
            double saved = params[i];
            params[i] = saved + h;
            set.accept(params);
            double up = loss.getAsDouble();
            params[i] = saved - h;
            set.accept(params);
            double down = loss.getAsDouble();
            params[i] = saved;
            set.accept(params);
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[i], 1e-7 * Math.max(1, Math.abs(numeric)), what + " element " + i);
        }
    }

    @Test
    void float32TrainingFollowsFloat64() {
        assumeSupported(Precision.FLOAT32);
        assumeSupported(Precision.FLOAT64);
        Random r = new Random(5);
        int n = 33;
        double[] x = random(r, n * 7, 1);
        double[] t = new double[n * 4];
        for (int s = 0; s < n; s++) {
            t[s * 4 + r.nextInt(4)] = 1;
        }
        double[][] weights = new double[2][];
        for (Precision p : Precision.values()) {
            try (Network net = Network.builder().input(7).dense(130, Activation.TANH).dense(4, Activation.SOFTMAX)
                    .optimizer(Optimizer.momentum(0.1, 0.9)).precision(p).seed(11).backend(backend).build()) {
                for (int i = 0; i < 20; i++) {
                    net.trainBatch(x, t, n);
                }
                weights[p.ordinal()] = net.layer(1).weights();
            }
        }
        // 20 steps of float rounding (6e-8 per operation) on weights of order 1: 1e-4 absolute is generous
        // yet far below the changes training makes (order 0.1).
        assertArrayEquals(weights[Precision.FLOAT64.ordinal()], weights[Precision.FLOAT32.ordinal()], 1e-4);
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void mismatchedGemmShapesAreRejectedWithTheShapes() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        try (Matrix a = backend.allocate(7, 33, p); Matrix b = backend.allocate(7, 33, p);
             Matrix c = backend.allocate(7, 7, p)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> backend.gemm(false, false, 1, a, b, 0, c));
            assertTrue(e.getMessage().contains("[7 x 33]") && e.getMessage().contains("gemm"), e.getMessage());
            backend.gemm(false, true, 1, a, b, 0, c);
            assertThrows(IllegalArgumentException.class, () -> backend.gemm(false, true, 1, a, b, 0, a));
        }
    }

    /**
     * The finite check on writes looks at blocks of eight elements and then the rest: a NaN or an infinity at
     * every position of a 5 x 7 matrix (in both parts), from float and double arrays at an offset, is named by
     * its element; the largest finite values and signed zeros everywhere are accepted.
     */
    @Test
    void writesRejectEveryNonFiniteValueAtEveryPosition() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        try (Matrix m = backend.allocate(5, 7, p)) {
            int n = m.size();
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                for (int at = 0; at < n; at++) {
                    double[] d = new double[n + 3];
                    float[] f = new float[n + 3];
                    d[3 + at] = bad;
                    f[3 + at] = (float) bad;
                    String element = "element " + at;
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.write(m, d, 3));
                    assertTrue(e.getMessage().contains(element), e.getMessage());
                    e = assertThrows(IllegalArgumentException.class, () -> backend.write(m, f, 3));
                    assertTrue(e.getMessage().contains(element), e.getMessage());
                }
            }
            float[] extremes = new float[n];
            for (int i = 0; i < n; i++) {
                extremes[i] = new float[] {Float.MAX_VALUE, -Float.MAX_VALUE, -0f, Float.MIN_VALUE}[i % 4];
            }
            backend.write(m, extremes, 0);
            assertEquals(-Float.MAX_VALUE, m.toArray()[n - 2], 0);
        }
    }

    @Test
    void wrongArrayLengthsNaNAndForeignOrClosedMatricesAreRejected() {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        Matrix m = backend.allocate(2, 3, p);
        IllegalArgumentException shortArray = assertThrows(IllegalArgumentException.class,
                () -> backend.write(m, new double[5], 0));
        assertTrue(shortArray.getMessage().contains("length 5"), shortArray.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend.read(m, new float[6], 1));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> backend.write(m, new double[] {0, 1, Double.NaN, 3, 4, 5}, 0));
        assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("element 2"), nan.getMessage());
        // Infinities of either sign, from float and double arrays and at an offset, are named by element;
        // the largest finite values are accepted.
        IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
                () -> backend.write(m, new float[] {9, 0, 1, 2, 3, Float.NEGATIVE_INFINITY, 5}, 1));
        assertTrue(inf.getMessage().contains("Infinity") && inf.getMessage().contains("element 4"), inf.getMessage());
        inf = assertThrows(IllegalArgumentException.class,
                () -> backend.write(m, new double[] {0, 1, 2, 3, 4, Double.POSITIVE_INFINITY}, 0));
        assertTrue(inf.getMessage().contains("element 5"), inf.getMessage());
        backend.write(m, new float[] {Float.MAX_VALUE, -Float.MAX_VALUE, 0, -0f, Float.MIN_VALUE, 1}, 0);
        assertEquals(-Float.MAX_VALUE, m.toArray()[1], 0);
        if (p == Precision.FLOAT64) {
            backend.write(m, new double[] {Double.MAX_VALUE, -Double.MAX_VALUE, 0, 0, 0, 1}, 0);
            assertEquals(Double.MAX_VALUE, m.toArray()[0], 0);
        }
        assertThrows(IllegalArgumentException.class, () -> backend.allocate(0, 3, p));
        assertThrows(IllegalArgumentException.class, () -> backend.fill(m, Double.POSITIVE_INFINITY));
        try (Backend other = provider().create(); Matrix foreign = other.allocate(2, 3, p)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.copy(foreign, m));
            assertTrue(e.getMessage().contains("belongs to"), e.getMessage());
        }
        m.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> backend.fill(m, 1));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        m.close(); // idempotent
    }

    @Test
    void networkRejectsBadArraysAndValues() {
        Precision p = backend.supports(Precision.FLOAT64) ? Precision.FLOAT64 : Precision.FLOAT32;
        try (Network net = tutorial(p)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.trainStep(new double[3], T));
            assertTrue(e.getMessage().contains("inputs") && e.getMessage().contains("got 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.trainStep(X, new double[] {0.1, Double.NaN}));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.layer(0).setWeights(new double[] {1, 2, 3}));
            assertTrue(e.getMessage().contains("[2 x 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> net.layer(1).setWeights(new double[][] {{1, 2}, {3, Double.NaN}}));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> net.predict(new double[2], 2, new double[3]));
            double[] before = net.layer(0).weights();
            assertArrayEquals(new double[] {0.15, 0.20, 0.25, 0.30}, before, 1e-7, "rejected input changed nothing");
        }
    }

    /**
     * A network whose backend runs on one host thread ({@link BackendProvider#create(int)}, as
     * {@link Network.Builder#maxThreads} opens it) computes what one on the backend's own thread count does: a product split between threads by blocks of its output computes each
     * element the same way, so the parameters after three steps agree to 1e-12 in float64 (1e-5 in float32; bit for
     * bit on the CPU backend), where the steps move them by more than 1e-3. A count below 1, or one with a backend
     * given open, is refused.
     */
    @Test
    void aNetworkOnOneHostThreadComputesWhatTheDefaultDoes() {
        Precision p = backend.supports(Precision.FLOAT64) ? Precision.FLOAT64 : Precision.FLOAT32;
        double tolerance = p == Precision.FLOAT64 ? 1e-12 : 1e-5;
        int rows = 256;
        int inputs = 300;
        Random random = new Random(11);
        float[] x = new float[rows * inputs];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        float[] t = new float[rows * 10];
        for (int r = 0; r < rows; r++) {
            t[r * 10 + random.nextInt(10)] = 1;
        }
        Network.Builder b = Network.builder().input(inputs).dense(200, Activation.RELU).dense(10, Activation.SOFTMAX)
                .optimizer(Optimizer.sgd(0.05)).precision(p).seed(3);
        try (Backend oneThread = provider().create(1); Network own = b.backend(backend).build();
             Network one = b.backend(oneThread).build()) {
            double[] initial = own.parameters();
            assertArrayEquals(initial, one.parameters(), 0, "the same seed, the same initial parameters");
            for (int step = 0; step < 3; step++) {
                own.trainBatch(x, t, rows);
                one.trainBatch(x, t, rows);
            }
            double[] a = own.parameters();
            double[] c = one.parameters();
            double diff = 0;
            double moved = 0;
            for (int i = 0; i < a.length; i++) {
                diff = Math.max(diff, Math.abs(a[i] - c[i]));
                moved = Math.max(moved, Math.abs(a[i] - initial[i]));
            }
            assertTrue(diff <= tolerance, "largest difference between the thread counts: " + diff);
            assertTrue(moved > 1e-3, "the steps must move the parameters: " + moved);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Network.builder().maxThreads(0));
        assertTrue(e.getMessage().contains("maxThreads") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> provider().create(-2));
        assertTrue(e.getMessage().contains("maxThreads") && e.getMessage().contains("-2"), e.getMessage());
        IllegalStateException given = assertThrows(IllegalStateException.class, () -> Network.builder().input(2)
                .dense(2, Activation.SIGMOID).precision(p).backend(backend).maxThreads(1).build());
        assertTrue(given.getMessage().contains("maxThreads(1)"), given.getMessage());
    }
}
