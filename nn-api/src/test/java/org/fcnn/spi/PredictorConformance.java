// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.api.Predictor;
import org.fcnn.io.ModelFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link Predictor} and {@link ForwardContext} part of the conformance suite; {@link BackendConformanceTest}
 * implements it, so every backend runs these tests on the suite's backend.
 *
 * <p>The network is 48-96-10 (tanh, softmax), so that one sample already goes through the blocked matrix
 * product and a batch of 256 is split between the threads of a multi-threaded CPU backend. A predictor runs the
 * same kernels on the same shapes as {@link Network#predict}, so its outputs are compared bit for bit: with the
 * network's, and between threads. The concurrency test runs 8 threads of 10,000 calls each where calls run at
 * the same time (the backend makes forward contexts), and 8 threads of 1,000 where they take turns under a lock
 * (device backends, e.g. OpenCL on PoCL, where each call is a few kernel launches and more calls would only
 * repeat the same serialised work).
 */
public interface PredictorConformance {
    /** The measured windows {@link #warmCallsAllocateNothing} may take for one to be free of allocation. */
    int WARM_WINDOWS = 5;

    int IN = 48;
    int HIDDEN = 96;
    int OUT = 10;
    /** Distinct samples the concurrency tests draw from. */
    int SAMPLES = 64;

    /** The backend under test, open for the whole class. */
    Backend backendUnderTest();

    /**
     * Why warm calls may allocate in this test run although the backend promises they do not, or {@code null}
     * (the default): for instance a CPU backend made to run vectors wider than the hardware's, which the JIT
     * then cannot compile to vector instructions and boxes. {@link #warmCallsAllocateNothing} is skipped with
     * this reason.
     */
    default String allocationCaveat() {
        return null;
    }

    private Network network(Precision p, long seed) {
        Backend backend = backendUnderTest();
        if (!backend.supports(p)) {
            Assumptions.abort(backend.name() + " on " + backend.device() + " does not support " + p);
        }
        return Network.builder().input(IN).dense(HIDDEN, Activation.TANH).dense(OUT, Activation.SOFTMAX)
                .optimizer(Optimizer.adam(0.01)).precision(p).seed(seed).backend(backend).build();
    }

    private static float[] samples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    private static double[] doubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** Asserts equality bit for bit, naming the first element that differs. */
    private static void assertSameBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (bit for bit)");
            }
        }
    }

    private static void assertSameBits(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (bit for bit)");
            }
        }
    }

    // ------------------------------------------------------------------ the same outputs as the network

    @ParameterizedTest
    @EnumSource(Precision.class)
    default void predictorGivesTheNetworksOutputsBitForBit(Precision p) {
        try (Network net = network(p, 1); Predictor predictor = Predictor.of(net, backendUnderTest())) {
            assertEquals(IN, predictor.inputSize());
            assertEquals(OUT, predictor.outputSize());
            assertEquals(p, predictor.precision());
            assertArrayEquals(new int[] {IN, HIDDEN, OUT}, predictor.sizes());
            for (int n : new int[] {1, 3, 33, 256, 5}) {
                float[] x = samples(n, n);
                float[] expected = new float[n * OUT];
                net.predict(x, n, expected);
                float[] actual = new float[n * OUT];
                predictor.predict(x, n, actual);
                assertSameBits("float batch of " + n, expected, actual);
                double[] expectedD = new double[n * OUT];
                net.predict(doubles(x), n, expectedD);
                double[] actualD = new double[n * OUT];
                predictor.predict(doubles(x), n, actualD);
                assertSameBits("double batch of " + n, expectedD, actualD);
                if (n == 1) {
                    float[] one = new float[OUT];
                    predictor.predict(x, one);
                    assertSameBits("one float sample", expected, one);
                    double[] oneD = new double[OUT];
                    predictor.predict(doubles(x), oneD);
                    assertSameBits("one double sample", expectedD, oneD);
                }
            }
            double sum = 0;
            float[] out = new float[OUT];
            predictor.predict(samples(1, 9), out);
            for (float v : out) {
                sum += v;
            }
            assertEquals(1, sum, 1e-5, "softmax outputs sum to 1 (float32 rounding of 10 terms)");
        }
    }

    /**
     * A wide layer too (790 -> 300 -> 10): its weights are large enough for the CPU backend's aligned copy, its
     * output layer is a tiny product with long rows for one sample; both must still give the network's bits.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    default void aWideNetworksPredictorGivesItsOutputsBitForBit(Precision p) {
        Backend backend = backendUnderTest();
        Assumptions.assumeTrue(backend.supports(p), backend.name() + " does not support " + p);
        int in = 790;
        try (Network net = Network.builder().input(in).dense(300, Activation.RELU).dense(OUT, Activation.SOFTMAX)
                .precision(p).seed(3).backend(backend).build();
             Predictor predictor = Predictor.of(net, backend)) {
            SplittableRandom r = new SplittableRandom(4);
            for (int n : new int[] {1, 2, 4, 5, 33}) {
                float[] x = new float[n * in];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextDouble();
                }
                float[] expected = new float[n * OUT];
                net.predict(x, n, expected);
                float[] actual = new float[n * OUT];
                predictor.predict(x, n, actual);
                assertSameBits("790-300-10, batch of " + n, expected, actual);
                if (n == 1) {
                    float[] one = new float[OUT];
                    predictor.predict(x, one);
                    assertSameBits("790-300-10, one sample", expected, one);
                }
            }
        }
    }

    @Test
    default void predictorOfANetworkOpensItsOwnBackendOfTheSameKind() {
        try (Network net = network(Precision.FLOAT32, 2)) {
            float[] x = samples(4, 4);
            float[] expected = new float[4 * OUT];
            net.predict(x, 4, expected);
            Predictor predictor = Predictor.of(net);
            Backend own = predictor.backend();
            try {
                assertNotSame(backendUnderTest(), own);
                assertEquals(backendUnderTest().name(), own.name());
                float[] actual = new float[4 * OUT];
                predictor.predict(x, 4, actual);
                // The same kind, but perhaps other kernels (a test's backend may force plain Java or a thread
                // count): float32 to 1e-5 relative to the outputs, which are at most 1.
                for (int i = 0; i < actual.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-5, "element " + i);
                }
            } finally {
                predictor.close();
            }
            assertTrue(own.isClosed(), "the predictor closes the backend it opened");
            assertFalse(backendUnderTest().isClosed());
        }
    }

    @Test
    default void loadReadsAModelFileOntoTheGivenBackend(@TempDir Path dir) throws IOException {
        try (Network net = network(Precision.FLOAT32, 3)) {
            Path file = dir.resolve("model.safetensors");
            ModelFile.save(net, file);
            float[] x = samples(7, 7);
            float[] expected = new float[7 * OUT];
            net.predict(x, 7, expected);
            try (Predictor predictor = Predictor.load(file, backendUnderTest())) {
                float[] actual = new float[7 * OUT];
                predictor.predict(x, 7, actual);
                assertSameBits("a loaded model", expected, actual);
            }
            assertFalse(backendUnderTest().isClosed(), "a given backend stays open");
        }
    }

    // ------------------------------------------------------------------ threads

    /**
     * 8 threads each make a series of calls, mixing one-sample calls (float and double) and batches of 3 and 17
     * from a fixed set of samples, and compare every result bit for bit with what one thread got for the same
     * call before: the threads share one predictor, whose lanes grow from one sample to 17 while they run.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    default void eightThreadsGetOneThreadsResultsBitForBit() throws Exception {
        try (Network net = network(Precision.FLOAT32, 4); Predictor predictor = Predictor.of(net, backendUnderTest())) {
            int calls = predictor.concurrent() ? 10_000 : 1_000;
            int threads = 8;
            float[] x = samples(SAMPLES, 5);
            double[] xd = doubles(x);
            int[] batches = {3, 17};
            // One thread's results: every sample alone (float and double), every window of each batch size.
            float[][] single = new float[SAMPLES][OUT];
            double[][] singleD = new double[SAMPLES][OUT];
            float[][][] windows = new float[batches.length][][];
            for (int k = 0; k < SAMPLES; k++) {
                predictor.predict(Arrays.copyOfRange(x, k * IN, (k + 1) * IN), single[k]);
                predictor.predict(Arrays.copyOfRange(xd, k * IN, (k + 1) * IN), singleD[k]);
            }
            for (int b = 0; b < batches.length; b++) {
                int n = batches[b];
                windows[b] = new float[SAMPLES - n + 1][n * OUT];
                for (int s = 0; s <= SAMPLES - n; s++) {
                    predictor.predict(Arrays.copyOfRange(x, s * IN, (s + n) * IN), n, windows[b][s]);
                }
            }
            AtomicReference<String> mismatch = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread worker = new Thread(() -> {
                    try {
                        float[] one = new float[IN];
                        float[] oneOut = new float[OUT];
                        double[] oneD = new double[IN];
                        double[] oneOutD = new double[OUT];
                        float[][] batchIn = {new float[3 * IN], new float[17 * IN]};
                        float[][] batchOut = {new float[3 * OUT], new float[17 * OUT]};
                        start.await();
                        for (int i = 0; i < calls && mismatch.get() == null; i++) {
                            int kind = (i + id) % 4;
                            if (kind < 2) {
                                int k = (i * 7 + id * 13) % SAMPLES;
                                if (kind == 0) {
                                    System.arraycopy(x, k * IN, one, 0, IN);
                                    predictor.predict(one, oneOut);
                                    if (!Arrays.equals(single[k], oneOut)) {
                                        mismatch.compareAndSet(null, "thread " + id + ", call " + i + ": sample " + k
                                                + " gave " + Arrays.toString(oneOut) + ", one thread got "
                                                + Arrays.toString(single[k]));
                                    }
                                } else {
                                    System.arraycopy(xd, k * IN, oneD, 0, IN);
                                    predictor.predict(oneD, oneOutD);
                                    if (!Arrays.equals(singleD[k], oneOutD)) {
                                        mismatch.compareAndSet(null, "thread " + id + ", call " + i + ": sample " + k
                                                + " (double) gave " + Arrays.toString(oneOutD) + ", one thread got "
                                                + Arrays.toString(singleD[k]));
                                    }
                                }
                            } else {
                                int b = kind - 2;
                                int n = batches[b];
                                int s = (i * 5 + id * 3) % (SAMPLES - n + 1);
                                System.arraycopy(x, s * IN, batchIn[b], 0, n * IN);
                                predictor.predict(batchIn[b], n, batchOut[b]);
                                if (!Arrays.equals(windows[b][s], batchOut[b])) {
                                    mismatch.compareAndSet(null, "thread " + id + ", call " + i + ": batch of " + n
                                            + " from sample " + s + " differs from one thread's");
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "predictor-test-" + t);
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a calling thread failed", failure.get());
            }
            assertNull(mismatch.get());
        }
    }

    /**
     * 4 threads call the predictor in a loop, checking each result, until {@code close()}: every call either
     * gives the right result or throws {@link IllegalStateException} saying the predictor is closed, each
     * thread ends with that exception, and closing frees the predictor's backend memory.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    default void closingWhileCallsRunFinishesThemAndRefusesLaterOnes() throws Exception {
        Backend backend = backendUnderTest();
        try (Network net = network(Precision.FLOAT32, 5)) {
            long before = backend.allocatedBytes();
            Predictor predictor = Predictor.of(net, backend);
            float[] x = samples(SAMPLES, 6);
            float[][] expected = new float[SAMPLES][OUT];
            for (int k = 0; k < SAMPLES; k++) {
                predictor.predict(Arrays.copyOfRange(x, k * IN, (k + 1) * IN), expected[k]);
            }
            int threads = 4;
            AtomicInteger calls = new AtomicInteger();
            AtomicReference<String> problem = new AtomicReference<>();
            CountDownLatch refused = new CountDownLatch(threads);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread worker = new Thread(() -> {
                    float[] in = new float[IN];
                    float[] out = new float[OUT];
                    for (int i = 0; ; i++) {
                        int k = (i + id * 17) % SAMPLES;
                        System.arraycopy(x, k * IN, in, 0, IN);
                        try {
                            predictor.predict(in, out);
                        } catch (IllegalStateException e) {
                            if (!"predictor is closed".equals(e.getMessage())) {
                                problem.compareAndSet(null, "thread " + id + ": unexpected message: " + e);
                            }
                            refused.countDown();
                            return;
                        } catch (Throwable e) {
                            problem.compareAndSet(null, "thread " + id + ": " + e);
                            refused.countDown();
                            return;
                        }
                        if (!Arrays.equals(expected[k], out)) {
                            problem.compareAndSet(null, "thread " + id + ", call " + i + ": a wrong result for sample " + k);
                        }
                        calls.incrementAndGet();
                    }
                }, "predictor-close-test-" + t);
                workers.add(worker);
                worker.start();
            }
            while (calls.get() < 200 * threads && problem.get() == null) {
                Thread.sleep(1);
            }
            predictor.close();
            assertTrue(predictor.isClosed());
            assertTrue(refused.await(1, TimeUnit.MINUTES), "every calling thread was refused after close()");
            for (Thread worker : workers) {
                worker.join();
            }
            assertNull(problem.get());
            IllegalStateException after = assertThrows(IllegalStateException.class,
                    () -> predictor.predict(new float[IN], new float[OUT]));
            assertEquals("predictor is closed", after.getMessage());
            predictor.close();
            assertEquals(before, backend.allocatedBytes(), "the predictor's backend memory is freed on close");
            assertFalse(backend.isClosed(), "a given backend stays open");
        }
    }

    /**
     * Warm calls allocate nothing on the calling thread: 2,000 rounds of a one-sample call (float and double)
     * and a batch of 8, after 10,000 rounds to warm up the JIT and the lane, allocate less than 2 KiB in all
     * (a third of a byte per call, where the smallest object is 16 bytes; the allocation counter's own reads
     * are a few hundred bytes at most), in one of {@value #WARM_WINDOWS} such windows in a row (the JIT may
     * finish or redo a compilation during the first on a loaded machine; CI once saw 7 MB in a window after a
     * passing run of the same commit). Only where calls run on lanes (forward contexts); where they take
     * turns, the lock and the device API may allocate.
     */
    @Test
    default void warmCallsAllocateNothing() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean b && b.isThreadAllocatedMemorySupported(),
                "this JVM cannot count a thread's allocated bytes");
        Assumptions.assumeTrue(allocationCaveat() == null, allocationCaveat());
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        try (Network net = network(Precision.FLOAT32, 7); Predictor predictor = Predictor.of(net, backendUnderTest())) {
            Assumptions.assumeTrue(predictor.concurrent(), "calls take turns under a lock on "
                    + backendUnderTest().name() + "; only lanes (forward contexts) promise allocation-free calls");
            float[] one = samples(1, 8);
            float[] oneOut = new float[OUT];
            float[] batch = samples(8, 9);
            float[] batchOut = new float[8 * OUT];
            double[] oneD = doubles(one);
            double[] oneOutD = new double[OUT];
            for (int i = 0; i < 10_000; i++) {
                predictor.predict(one, oneOut);
                predictor.predict(batch, 8, batchOut);
                predictor.predict(oneD, oneOutD);
            }
            long id = Thread.currentThread().getId();
            long bytes = Long.MAX_VALUE;
            int window = 0;
            // A compilation that the JIT finishes late (or redoes) can still box during one window on a busy
            // machine; allocation that lasts shows in every window.
            while (bytes >= 2048 && window++ < WARM_WINDOWS) {
                long a0 = bean.getThreadAllocatedBytes(id);
                for (int i = 0; i < 2_000; i++) {
                    predictor.predict(one, oneOut);
                    predictor.predict(batch, 8, batchOut);
                    predictor.predict(oneD, oneOutD);
                }
                bytes = bean.getThreadAllocatedBytes(id) - a0;
            }
            assertTrue(bytes < 2048, "6,000 warm calls allocated " + bytes + " bytes (the last of " + WARM_WINDOWS
                    + " windows)");
        }
    }

    // ------------------------------------------------------------------ its own weights

    /**
     * Training the network further (100 Adam steps, while another thread predicts where calls run at once)
     * changes the network's outputs but not the predictor's, bit for bit; closing the network leaves the
     * predictor working.
     */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    default void trainingTheNetworkFurtherDoesNotChangeThePredictor() throws Exception {
        Network net = network(Precision.FLOAT32, 8);
        Predictor predictor = Predictor.of(net, backendUnderTest());
        try {
            int n = 16;
            float[] x = samples(n, 10);
            float[] before = new float[n * OUT];
            predictor.predict(x, n, before);
            float[] networkBefore = new float[n * OUT];
            net.predict(x, n, networkBefore);
            assertSameBits("predictor and network at the start", networkBefore, before);

            AtomicReference<String> problem = new AtomicReference<>();
            AtomicInteger done = new AtomicInteger();
            Thread caller = null;
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            if (predictor.concurrent()) {
                caller = new Thread(() -> {
                    float[] out = new float[n * OUT];
                    while (!stop.get()) {
                        try {
                            predictor.predict(x, n, out);
                        } catch (Throwable e) {
                            problem.compareAndSet(null, e.toString());
                            return;
                        }
                        if (!Arrays.equals(before, out)) {
                            problem.compareAndSet(null, "the predictor's output changed while the network trained");
                        }
                        done.incrementAndGet();
                    }
                }, "predictor-while-training");
                caller.start();
            }
            float[] t = new float[n * OUT];
            for (int s = 0; s < n; s++) {
                t[s * OUT + s % OUT] = 1;
            }
            for (int step = 0; step < 100; step++) {
                net.trainBatch(x, t, n);
            }
            if (caller != null) {
                while (done.get() < 10 && problem.get() == null && caller.isAlive()) {
                    Thread.sleep(1);
                }
                stop.set(true);
                caller.join();
            }
            assertNull(problem.get());
            float[] networkAfter = new float[n * OUT];
            net.predict(x, n, networkAfter);
            assertFalse(Arrays.equals(networkBefore, networkAfter), "training changed the network's outputs");
            float[] after = new float[n * OUT];
            predictor.predict(x, n, after);
            assertSameBits("the predictor after training the network", before, after);
            net.close();
            predictor.predict(x, n, after);
            assertSameBits("the predictor after closing the network", before, after);
        } finally {
            predictor.close();
            net.close();
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    default void badCallsThrowNamingTheShape() {
        try (Network net = network(Precision.FLOAT32, 9); Predictor predictor = Predictor.of(net, backendUnderTest())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> predictor.predict(new float[IN - 1], new float[OUT]));
            assertTrue(e.getMessage().contains("[1 x " + IN + "]") && e.getMessage().contains("got " + (IN - 1)),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(new double[IN], new double[OUT + 1]));
            assertTrue(e.getMessage().startsWith("output") && e.getMessage().contains("[1 x " + OUT + "]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(new float[3 * IN], 4, new float[4 * OUT]));
            assertTrue(e.getMessage().contains("[4 x " + IN + "]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(new float[0], 0, new float[0]));
            assertTrue(e.getMessage().contains("batch size must be positive"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict((float[]) null, new float[OUT]));
            assertTrue(e.getMessage().contains("input is null"), e.getMessage());
            float[] bad = samples(2, 11);
            bad[IN + 5] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(bad, 2, new float[2 * OUT]));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            double[] inf = new double[IN];
            inf[3] = Double.NEGATIVE_INFINITY;
            e = assertThrows(IllegalArgumentException.class, () -> predictor.predict(inf, new double[OUT]));
            assertTrue(e.getMessage().contains("Infinity"), e.getMessage());
            // The predictor still works after refusing them.
            float[] out = new float[OUT];
            predictor.predict(samples(1, 12), out);
            assertTrue(out[0] > 0 && out[0] < 1, "a softmax output: " + out[0]);
        }
    }

    @Test
    default void aClosedNetworkOrBackendIsRefused() {
        Network net = network(Precision.FLOAT32, 10);
        net.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Predictor.of(net, backendUnderTest()));
        assertEquals("network is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> Predictor.of(net));
    }

    // ------------------------------------------------------------------ forward contexts (SPI)

    /**
     * A context computes on the first rows of larger matrices exactly what the backend computes on matrices of
     * that many rows, and refuses rows outside its matrices.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    default void forwardContextComputesTheFirstRowsAsTheBackendDoes(Precision p) {
        Backend backend = backendUnderTest();
        Assumptions.assumeTrue(backend.supports(p), backend.name() + " does not support " + p);
        ForwardContext context = backend.forwardContext();
        Assumptions.assumeTrue(context != null, backend.name() + " makes no forward contexts (calls take turns)");
        int rows = 5;
        int capacity = 9;
        float[] x = samples(rows, 13);
        float[] w = samples(HIDDEN, 14);
        float[] b = samples(1, 15);
        try (context;
             Matrix mw = backend.allocate(HIDDEN, IN, p); Matrix mb = backend.allocate(1, HIDDEN, p);
             Matrix exactX = backend.allocate(rows, IN, p); Matrix exactA = backend.allocate(rows, HIDDEN, p);
             Matrix bigX = backend.allocate(capacity, IN, p); Matrix bigA = backend.allocate(capacity, HIDDEN, p)) {
            assertEquals(backend, context.backend());
            backend.write(mw, w, 0);
            backend.write(mb, Arrays.copyOf(b, HIDDEN), 0);
            backend.write(exactX, x, 0);
            backend.denseForward(exactX, mw, mb, Activation.SIGMOID, exactA);
            double[] expected = exactA.toArray();
            context.write(bigX, rows, x, 0);
            context.denseForward(rows, bigX, mw, mb, Activation.SIGMOID, bigA);
            double[] actual = new double[rows * HIDDEN + 2];
            context.read(bigA, rows, actual, 2);
            assertSameBits("the first " + rows + " rows", expected, Arrays.copyOfRange(actual, 2, actual.length));
            float[] actualF = new float[rows * HIDDEN];
            context.read(bigA, rows, actualF, 0);
            for (int i = 0; i < actualF.length; i++) {
                assertEquals((float) expected[i], actualF[i], 0, "element " + i);
            }

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> context.denseForward(capacity + 1, bigX, mw, mb, Activation.SIGMOID, bigA));
            assertTrue(e.getMessage().contains("rows must be in [1, " + capacity + "]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> context.write(bigX, 0, x, 0));
            e = assertThrows(IllegalArgumentException.class, () -> context.write(bigX, rows + 1, x, 0));
            assertTrue(e.getMessage().contains("needs " + (rows + 1) * IN), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> context.denseForward(rows, bigX, mw, mb, Activation.SIGMOID, bigX));
            assertTrue(e.getMessage().contains("shape mismatch"), e.getMessage());
            float[] nan = x.clone();
            nan[IN + 2] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> context.write(bigX, rows, nan, 0));
            assertTrue(e.getMessage().contains("row 1, column 2") && e.getMessage().contains("NaN"), e.getMessage());
            context.close();
            assertTrue(context.isClosed());
            assertThrows(IllegalStateException.class, () -> context.write(bigX, rows, x, 0));
        }
    }
}
