// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.onnx.OnnxExport;
import org.fcnn.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every exported network runs in ONNX Runtime with fcnn's predictions ({@link Network#predict} on the cpu
 * backend), for every activation on the hidden and output layers, both precisions, all bias kinds, and several
 * batch sizes through one session (the batch dimension is symbolic).
 *
 * <p>Tolerances, relative to {@code max(1, |y|)} (absolute for outputs in [-1, 1], as sigmoid, tanh and softmax
 * give): float32 1e-5. ONNX Runtime's MLAS kernels and fcnn's block, order and fuse the float32 multiply-adds
 * of each dot product differently; with at most 10 terms below 1 in magnitude each result differs by a few ulps
 * ({@code ~10 * 6e-8}), and three layers of 1-Lipschitz activations keep that below 1e-6. A wrong layout, bias
 * or activation gives errors of order 0.1. float64 1e-12: some 10,000 times float64's rounding of such sums, and
 * 10,000 times smaller than the error one float32 rounding on the path would cause, so it also proves that the
 * DOUBLE graph runs in double throughout.
 */
class OnnxRuntimeAgreementTest {
    private static final double FLOAT32_TOLERANCE = 1e-5;
    private static final double FLOAT64_TOLERANCE = 1e-12;

    private static OrtEnvironment env;
    private static Backend cpu;
    private static final double[] WORST = new double[2];

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        env = OrtEnvironment.getEnvironment();
        cpu = Backends.open("cpu");
    }

    @AfterAll
    static void close() {
        cpu.close();
        System.out.printf("largest difference from ONNX Runtime %s: float32 %.3g, float64 %.3g%n",
                OrtEnvironment.getEnvironment().getVersion(), WORST[0], WORST[1]);
    }

    static Stream<Arguments> activations() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Activation a : Activation.values()) {
                cases.add(Arguments.of(p, a == Activation.SOFTMAX ? Activation.TANH : a, a));
            }
            cases.add(Arguments.of(p, Activation.RELU, Activation.SOFTMAX));
            cases.add(Arguments.of(p, Activation.SIGMOID, Activation.IDENTITY));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1} hidden, {2} output")
    @MethodSource("activations")
    void onnxRuntimeAgreesWithFcnn(Precision precision, Activation hidden, Activation output) throws Exception {
        Network.Builder b = Network.builder().input(6).precision(precision).seed(11).backend(cpu)
                .dense(10, hidden).dense(7, hidden).dense(4, output);
        try (Network net = b.build()) {
            randomBiases(net, 3);
            assertAgrees(net, "m.onnx", 1, 13, 64);
        }
    }

    @Test
    void biasKindsDropoutAndASingleLayer() throws Exception {
        for (Precision p : Precision.values()) {
            try (Network net = Network.builder().input(5).precision(p).backend(cpu).seed(2)
                    .dense(8, Activation.RELU, Bias.none()).dropout(0.3)
                    .dense(6, Activation.TANH, Bias.frozen(0.35))
                    .dense(3, Activation.SOFTMAX, Bias.trainable()).build()) {
                randomBiases(net, 4);
                assertAgrees(net, "kinds-" + p + ".onnx", 1, 9);
            }
            try (Network net = Network.builder().input(3).precision(p).backend(cpu)
                    .dense(2, Activation.SIGMOID).build()) {
                randomBiases(net, 5);
                assertAgrees(net, "single-" + p + ".onnx", 1, 4);
            }
        }
    }

    @Test
    void onnxRuntimeSeesTheDeclaredInterfaceAndMetadata() throws Exception {
        try (Network net = Network.builder().input(4).precision(Precision.FLOAT64).backend(cpu)
                .dense(8, Activation.RELU).dense(3, Activation.SOFTMAX).build()) {
            Path file = dir.resolve("meta.onnx");
            OnnxExport.write(net, file, Map.of("class_names", "a,b,c"));
            try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
                assertEquals(List.of("input"), List.copyOf(s.getInputNames()));
                assertEquals(List.of("output"), List.copyOf(s.getOutputNames()));
                TensorInfo in = (TensorInfo) s.getInputInfo().get("input").getInfo();
                assertEquals(OnnxJavaType.DOUBLE, in.type);
                assertArrayEquals(new long[] {-1, 4}, in.getShape());
                assertEquals("batch", in.getDimensionNames()[0]);
                TensorInfo out = (TensorInfo) s.getOutputInfo().get("output").getInfo();
                assertArrayEquals(new long[] {-1, 3}, out.getShape());
                assertEquals("fcnn", s.getMetadata().getProducerName());
                Map<String, String> custom = s.getMetadata().getCustomMetadata();
                assertEquals("4,8,3", custom.get("sizes"));
                assertEquals("relu,softmax", custom.get("activations"));
                assertEquals("softmax_cross_entropy", custom.get("loss"));
                assertEquals("float64", custom.get("precision"));
                assertEquals("a,b,c", custom.get("class_names"));
                assertTrue(custom.containsKey("fcnn_version"), custom.toString());
            }
        }
    }

    /** Exports {@code net}, runs it in ONNX Runtime for random inputs of each batch size, compares with fcnn. */
    private void assertAgrees(Network net, String name, int... batches) throws Exception {
        Path file = dir.resolve(name);
        OnnxExport.write(net, file);
        boolean f32 = net.precision() == Precision.FLOAT32;
        double tolerance = f32 ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(file.toString(), options)) {
                for (int n : batches) {
                    double[] x = randomInputs(n, net.inputSize(), 31L * n + net.outputSize());
                    double[] expected = new double[n * net.outputSize()];
                    net.predict(x, n, expected);
                    double[] actual = run(session, x, n, net.inputSize(), f32);
                    assertEquals(expected.length, actual.length);
                    for (int i = 0; i < expected.length; i++) {
                        double err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
                        WORST[f32 ? 0 : 1] = Math.max(WORST[f32 ? 0 : 1], err);
                        assertTrue(err <= tolerance, name + " batch " + n + " output " + i + ": ONNX Runtime "
                                + actual[i] + ", fcnn " + expected[i] + " (relative difference " + err + ")");
                    }
                }
            }
        }
    }

    private static double[] run(OrtSession session, double[] x, int n, int width, boolean f32) throws OrtException {
        long[] shape = {n, width};
        OnnxTensor input;
        if (f32) {
            float[] xf = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                xf[i] = (float) x[i];
            }
            input = OnnxTensor.createTensor(env, FloatBuffer.wrap(xf), shape);
        } else {
            input = OnnxTensor.createTensor(env, DoubleBuffer.wrap(x), shape);
        }
        try (input; OrtSession.Result result = session.run(Map.of("input", input))) {
            OnnxTensor out = (OnnxTensor) result.get("output").orElseThrow();
            assertEquals(n, out.getInfo().getShape()[0]);
            if (f32) {
                FloatBuffer b = out.getFloatBuffer();
                double[] y = new double[b.remaining()];
                for (int i = 0; i < y.length; i++) {
                    y[i] = b.get(i);
                }
                return y;
            }
            DoubleBuffer b = out.getDoubleBuffer();
            double[] y = new double[b.remaining()];
            b.get(y);
            return y;
        }
    }

    /** Biases in [-0.5, 0.5], so that a bias wired wrongly shows. */
    private static void randomBiases(Network net, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Layer l : net.layers()) {
            if (l.bias().isPresent()) {
                double[] b = new double[l.outputs()];
                for (int j = 0; j < b.length; j++) {
                    b[j] = r.nextDouble() - 0.5;
                }
                l.setBiases(b);
            }
        }
    }

    /** Inputs in [-2, 2), float32-representable (so both engines see the same float32 inputs). */
    private static double[] randomInputs(int n, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (4 * r.nextDouble() - 2);
        }
        return x;
    }
}
