// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import java.util.stream.Stream;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Gradients;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.api.TrainingState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The data-parallel part of the API on every backend: {@link Network#accumulateGradients}, {@link Network#step(Gradients)},
 * {@link Network#parameters()} and {@link Network#trainingState()}. A backend module subclasses it with a three-line
 * test that returns its provider, as for {@link BackendConformanceTest}; skipped with the provider's reason when the
 * backend cannot run here, unless it is named in {@code fcnn.require}.
 *
 * <p>Tolerances: float64 to {@code 1e-12} absolute on parameters of magnitude below 2 after a few steps (a split
 * batch adds its shares' sums in another order than the whole batch's product: a few ulps of 1.1e-16 per step);
 * float32 to {@code 1e-5} (float rounding 6e-8 per operation over sums of at most 12 terms per share, a few steps).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DataParallelConformanceTest {
    private static final int IN = 6;
    private static final int HIDDEN = 9;
    private static final int OUT = 3;
    private static final int N = 12;
    private static final int[] SHARES = {3, 4, 5};

    private Backend backend;

    /** The provider of the backend under test. */
    protected abstract BackendProvider provider();

    @BeforeAll
    void openBackend() {
        BackendProvider provider = provider();
        Availability availability = provider.availability();
        if (!availability.available()) {
            if (BackendConformanceTest.required(provider.name())) {
                fail("backend '" + provider.name() + "' is required but unavailable: " + availability.reason());
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

    private void assumeSupported(Precision p) {
        if (!backend.supports(p)) {
            Assumptions.abort(backend.name() + " on " + backend.device() + " does not support " + p);
        }
    }

    private static double tolerance(Precision p) {
        return p == Precision.FLOAT64 ? 1e-12 : 1e-5;
    }

    private Network network(Precision p, Optimizer o) {
        return Network.builder().input(IN)
                .dense(HIDDEN, Activation.TANH)
                .dense(OUT, Activation.SOFTMAX)
                .optimizer(o).precision(p).seed(11).backend(backend).build();
    }

    private static double[] inputs(Random r, int n) {
        double[] x = new double[n * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextGaussian();
        }
        return x;
    }

    private static double[] oneHot(Random r, int n) {
        double[] t = new double[n * OUT];
        for (int i = 0; i < n; i++) {
            t[i * OUT + r.nextInt(OUT)] = 1;
        }
        return t;
    }

    private static double[] rows(double[] a, int width, int from, int count) {
        double[] out = new double[count * width];
        System.arraycopy(a, from * width, out, 0, out.length);
        return out;
    }

    static Stream<Arguments> optimizers() {
        return Stream.of(Precision.FLOAT64, Precision.FLOAT32).flatMap(p -> Stream.of(
                Arguments.of(p, Optimizer.sgd(0.3)),
                Arguments.of(p, Optimizer.momentum(0.1, 0.9).withWeightDecay(1e-3)),
                Arguments.of(p, Optimizer.adam(0.01).withWeightDecay(1e-2))));
    }

    /** A batch split in three shares, their gradient sums added and stepped once, is the whole batch's step. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizers")
    void sharesOfABatchStepLikeTheWholeBatch(Precision p, Optimizer o) {
        assumeSupported(p);
        Random r = new Random(3);
        try (Network whole = network(p, o); Network split = network(p, o)) {
            for (int step = 0; step < 4; step++) {
                double[] x = inputs(r, N);
                double[] t = oneHot(r, N);
                double loss = whole.trainBatch(x, t, N);
                Gradients total = Gradients.zeros(split);
                int from = 0;
                for (int share : SHARES) {
                    Gradients part = Gradients.zeros(split);
                    split.accumulateGradients(rows(x, IN, from, share), rows(t, OUT, from, share), share, part);
                    assertEquals(share, part.samples());
                    total.add(part);
                    from += share;
                }
                assertEquals(N, total.samples());
                assertEquals(loss, total.meanLoss(), tolerance(p), "mean loss of the shares, step " + step);
                split.step(total);
                assertEquals(whole.steps(), split.steps());
                assertArrayEquals(whole.parameters(), split.parameters(), tolerance(p), "parameters after step " + step);
            }
        }
    }

    /** The sum is n times the mean gradient that backward leaves in the layers, and nothing changes. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void accumulatedSumIsRowsTimesTheLayersGradientAndChangesNoParameter(Precision p) {
        assumeSupported(p);
        Random r = new Random(5);
        double[] x = inputs(r, N);
        double[] t = oneHot(r, N);
        try (Network net = network(p, Optimizer.adam(0.01))) {
            double[] before = net.parameters();
            Gradients sum = Gradients.zeros(net);
            net.accumulateGradients(x, t, N, sum);
            net.accumulateGradients(x, t, N, sum); // twice: the sums add up
            assertArrayEquals(before, net.parameters(), 0, "accumulateGradients must not step");
            assertEquals(0, net.steps());
            int off = 0;
            for (Layer l : net.layers()) {
                double[] dW = l.weightGradient();
                for (int i = 0; i < dW.length; i++) {
                    assertEquals(2 * N * dW[i], sum.values()[off + i], tolerance(p) * N, "layer " + l.index() + " dW " + i);
                }
                off += dW.length;
                double[] db = l.biasGradient();
                for (int i = 0; i < db.length; i++) {
                    assertEquals(2 * N * db[i], sum.values()[off + i], tolerance(p) * N, "layer " + l.index() + " db " + i);
                }
                off += db.length;
            }
            assertEquals(net.parameterCount(), off);
            assertEquals(2 * N, sum.samples());
        }
    }

    /** parameters() is each layer's weights then trainable bias, in order; frozen biases are left out. */
    @Test
    void parametersHaveTheDocumentedLayoutAndSetParametersWritesThem() {
        try (Network net = Network.builder().input(2).dense(3, Activation.SIGMOID, Bias.frozen(0.35))
                .dense(2, Activation.SIGMOID).precision(Precision.FLOAT32).backend(backend).build()) {
            double[] p = net.parameters();
            assertEquals(6 + 6 + 2, p.length);
            assertArrayEquals(net.layer(0).weights(), java.util.Arrays.copyOfRange(p, 0, 6), 0);
            assertArrayEquals(net.layer(1).weights(), java.util.Arrays.copyOfRange(p, 6, 12), 0);
            assertArrayEquals(net.layer(1).biases(), java.util.Arrays.copyOfRange(p, 12, 14), 0);
            double[] q = new double[14];
            for (int i = 0; i < q.length; i++) {
                q[i] = 0.25 * (i - 7);
            }
            net.setParameters(q);
            assertArrayEquals(q, net.parameters(), 0);
            assertArrayEquals(new double[] {0.35, 0.35, 0.35}, net.layer(0).biases(), 1e-7, "the frozen bias stays");
        }
    }

    /** A state copied to another network continues training exactly as the original does. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void trainingStateCopiedToAnotherNetworkContinuesTheSameRun(Precision p) {
        assumeSupported(p);
        Random r = new Random(9);
        Optimizer adam = Optimizer.adam(0.02).withWeightDecay(1e-3);
        try (Network a = network(p, adam); Network b = Network.builder().input(IN).dense(HIDDEN, Activation.TANH)
                .dense(OUT, Activation.SOFTMAX).optimizer(adam).precision(p).seed(99).backend(backend).build()) {
            for (int i = 0; i < 3; i++) {
                a.trainBatch(inputs(r, N), oneHot(r, N), N);
            }
            TrainingState s = a.trainingState();
            assertEquals(3, s.steps());
            assertEquals(2, s.optimizerState().length);
            assertTrue(java.util.Arrays.stream(s.optimizerState()[1]).anyMatch(v -> v > 0), "Adam's v is non-zero");
            b.setTrainingState(s);
            assertEquals(3, b.steps());
            for (int i = 0; i < 3; i++) {
                double[] x = inputs(r, N);
                double[] t = oneHot(r, N);
                a.trainBatch(x, t, N);
                b.trainBatch(x, t, N);
            }
            assertArrayEquals(a.parameters(), b.parameters(), 0, "same state, same steps: the same bits");
            assertArrayEquals(a.trainingState().optimizerState()[0], b.trainingState().optimizerState()[0], 0);
        }
    }

    @Test
    void badGradientsAndStatesAreRefusedWithTheReason() {
        try (Network net = network(Precision.FLOAT32, Optimizer.momentum(0.1, 0.9));
             Network small = Network.builder().input(2).dense(1, Activation.SIGMOID).backend(backend).build()) {
            long count = net.parameterCount();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.step(Gradients.zeros(small)));
            assertTrue(e.getMessage().contains("3 values") && e.getMessage().contains(count + " parameters"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.step(Gradients.zeros(net)));
            assertTrue(e.getMessage().contains("no samples"), e.getMessage());
            double[] bad = new double[(int) count];
            bad[4] = Double.NaN;
            e = assertThrows(IllegalArgumentException.class, () -> Gradients.of(bad, 0, 1));
            assertTrue(e.getMessage().contains("value 4 is NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> net.accumulateGradients(new double[5], new double[OUT], 1, Gradients.zeros(net)));
            assertTrue(e.getMessage().contains("inputs"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.setParameters(new double[3]));
            assertTrue(e.getMessage().contains("need " + count), e.getMessage());
            TrainingState sgd = new TrainingState(Optimizer.Kind.SGD, new double[(int) count], new double[0][], 0);
            e = assertThrows(IllegalArgumentException.class, () -> net.setTrainingState(sgd));
            assertTrue(e.getMessage().contains("SGD") && e.getMessage().contains("MOMENTUM"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> new TrainingState(Optimizer.Kind.ADAM, new double[4], new double[][] {new double[4]}, 0));
            assertTrue(e.getMessage().contains("2 state slots"), e.getMessage());
            double[] before = net.parameters();
            assertArrayEquals(before, net.parameters(), 0, "nothing changed");
        }
    }
}
