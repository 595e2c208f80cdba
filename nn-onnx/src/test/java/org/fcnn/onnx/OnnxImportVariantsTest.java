// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.fcnn.onnx.TestModels.DOUBLE;
import static org.fcnn.onnx.TestModels.FLOAT;
import static org.fcnn.onnx.TestModels.floats;
import static org.fcnn.onnx.TestModels.ints;
import static org.fcnn.onnx.TestModels.node;
import static org.fcnn.onnx.TestModels.raw;
import static org.fcnn.onnx.TestModels.tensor;
import static org.fcnn.onnx.TestModels.transpose;
import static org.fcnn.onnx.TestModels.typed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same 4-5-3 tanh/softmax network written as other producers write it (Gemm with transB 0 or 1, MatMul and
 * Add either way round, float_data/double_data or raw_data, Constant nodes, Identity and Dropout, old IR and
 * opset versions) imports into a network whose predictions are bit-identical to the original's: the imported
 * parameters are the same numbers, and the same backend computes them.
 */
class OnnxImportVariantsTest {
    @TempDir
    Path dir;

    private static final int IN = 4;
    private static final int HIDDEN = 5;
    private static final int OUT = 3;

    /** The reference network's parameters and predictions. */
    private record Reference(double[] w1, double[] b1, double[] w2, double[] b2, double[] x, double[] y) {
    }

    private static Reference reference(Precision p) {
        try (Network net = Fixtures.randomNetwork(new int[] {IN, HIDDEN, OUT}, Activation.TANH, Activation.SOFTMAX, p,
                17)) {
            double[] x = Fixtures.randomInputs(9, IN, 3);
            return new Reference(net.layer(0).weights(), net.layer(0).biases(), net.layer(1).weights(),
                    net.layer(1).biases(), x, Fixtures.predict(net, x, 9));
        }
    }

    private void assertSamePredictions(Reference r, ModelProto model, Precision p) throws IOException {
        OnnxModel m = OnnxImport.read(TestModels.write(dir, "variant.onnx", model));
        assertArrayEquals(new int[] {IN, HIDDEN, OUT}, m.sizes());
        assertEquals(List.of(Activation.TANH, Activation.SOFTMAX), m.activations());
        assertEquals(p, m.precision());
        try (Network net = m.network("cpu")) {
            assertArrayEquals(r.y(), Fixtures.predict(net, r.x(), 9));
        }
    }

    @Test
    void gemmWithTransBZeroAndARowBiasInDoubleData() throws IOException {
        Reference r = reference(Precision.FLOAT64);
        GraphProto.Builder g = TestModels.graph(DOUBLE, IN, OUT)
                .addInitializer(typed("B1", DOUBLE, new long[] {IN, HIDDEN}, transpose(r.w1(), HIDDEN, IN)))
                .addInitializer(typed("C1", DOUBLE, new long[] {1, HIDDEN}, r.b1()))
                .addInitializer(typed("B2", DOUBLE, new long[] {HIDDEN, OUT}, transpose(r.w2(), OUT, HIDDEN)))
                .addInitializer(typed("C2", DOUBLE, new long[] {OUT}, r.b2()))
                .addNode(node("g1", "Gemm", List.of("x", "B1", "C1"), "z1", floats("alpha", 1f), floats("beta", 1f),
                        ints("transA", 0), ints("transB", 0)))
                .addNode(node("t1", "Tanh", List.of("z1"), "a1"))
                .addNode(node("g2", "Gemm", List.of("a1", "B2", "C2"), "z2"))
                .addNode(node("s2", "Softmax", List.of("z2"), "y", ints("axis", 1)));
        assertSamePredictions(r, TestModels.model(g, 13), Precision.FLOAT64);
    }

    @Test
    void matMulAndAddEitherWayRoundWithConstantsIdentityAndDropout() throws IOException {
        Reference r = reference(Precision.FLOAT32);
        TensorProto off = TensorProto.newBuilder().setName("off").setDataType(TensorProto.DataType.BOOL_VALUE)
                .addInt32Data(0).build();
        GraphProto.Builder g = TestModels.graph(FLOAT, IN, OUT)
                .addInitializer(raw("W1", FLOAT, new long[] {IN, HIDDEN}, transpose(r.w1(), HIDDEN, IN)))
                .addInitializer(typed("b1", FLOAT, new long[] {HIDDEN}, r.b1()))
                .addInitializer(typed("ratio", FLOAT, new long[] {}, 0.5))
                .addInitializer(off)
                .addNode(node("id", "Identity", List.of("x"), "x1"))
                .addNode(node("mm1", "MatMul", List.of("x1", "W1"), "m1"))
                .addNode(node("add1", "Add", List.of("b1", "m1"), "z1"))
                .addNode(node("t1", "Tanh", List.of("z1"), "a1"))
                .addNode(node("drop", "Dropout", List.of("a1", "ratio", "off"), "d1"))
                .addNode(node("c2", "Constant", List.of(), "W2", tensor("value",
                        raw("", FLOAT, new long[] {HIDDEN, OUT}, transpose(r.w2(), OUT, HIDDEN)))))
                .addNode(node("c3", "Constant", List.of(), "b2", tensor("value", typed("", FLOAT, new long[] {OUT},
                        r.b2()))))
                .addNode(node("mm2", "MatMul", List.of("d1", "W2"), "m2"))
                .addNode(node("add2", "Add", List.of("m2", "b2"), "z2"))
                .addNode(node("s2", "Softmax", List.of("z2"), "y"));
        assertSamePredictions(r, TestModels.model(g, 13), Precision.FLOAT32);
    }

    /** IR version 3 listed initializers among the graph inputs; opset 11's Softmax defaults to axis 1. */
    @Test
    void oldIrVersionAndOpsetWithTransBOneInFloatData() throws IOException {
        Reference r = reference(Precision.FLOAT32);
        GraphProto.Builder g = TestModels.graph(FLOAT, IN, OUT)
                .addInitializer(typed("W1", FLOAT, new long[] {HIDDEN, IN}, r.w1()))
                .addInitializer(typed("b1", FLOAT, new long[] {HIDDEN}, r.b1()))
                .addInitializer(typed("W2", FLOAT, new long[] {OUT, HIDDEN}, r.w2()))
                .addInitializer(typed("b2", FLOAT, new long[] {OUT}, r.b2()))
                .addInput(TestModels.value("W1", FLOAT, (long) HIDDEN, (long) IN))
                .addInput(TestModels.value("b1", FLOAT, (long) HIDDEN))
                .addInput(TestModels.value("W2", FLOAT, (long) OUT, (long) HIDDEN))
                .addInput(TestModels.value("b2", FLOAT, (long) OUT))
                .addNode(node("", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1)))
                .addNode(node("", "Tanh", List.of("z1"), "a1"))
                .addNode(node("", "Gemm", List.of("a1", "W2", "b2"), "z2", ints("transB", 1)))
                .addNode(node("", "Softmax", List.of("z2"), "y"));
        ModelProto m = TestModels.model(g, 11).toBuilder().setIrVersion(3).build();
        assertSamePredictions(r, m, Precision.FLOAT32);
    }

    @Test
    void aScalarBiasIsTheSameForEveryNodeAndNoBiasIsNone() throws IOException {
        GraphProto.Builder g = TestModels.graph(DOUBLE, 2, 2)
                .addInitializer(raw("W", DOUBLE, new long[] {2, 2}, 1, 2, 3, 4))
                .addInitializer(raw("c", DOUBLE, new long[] {}, 0.5))
                .addInitializer(raw("V", DOUBLE, new long[] {2, 2}, 1, 0, 0, 1))
                .addNode(node("g", "Gemm", List.of("x", "W", "c"), "z", ints("transB", 1)))
                .addNode(node("r", "Relu", List.of("z"), "a"))
                .addNode(node("g2", "Gemm", List.of("a", "V"), "y"));
        OnnxModel m = OnnxImport.read(TestModels.write(dir, "scalar.onnx", TestModels.model(g, 13)));
        assertArrayEquals(new double[] {0.5, 0.5}, m.biases(0));
        assertEquals(List.of("trainable", "none"), m.biasKinds());
        assertEquals(List.of(Activation.RELU, Activation.IDENTITY), m.activations());
        try (Network net = m.network("cpu")) {
            // relu(W x + 0.5): [1 - 2 + 0.5, 3 - 4 + 0.5] = [-0.5, -0.5] -> 0; the second layer is the identity matrix.
            assertArrayEquals(new double[] {0, 0}, net.predict(new double[] {1, -1}));
            assertArrayEquals(new double[] {1 * 0.25 + 2 * 0.5 + 0.5, 3 * 0.25 + 4 * 0.5 + 0.5},
                    net.predict(new double[] {0.25, 0.5}));
        }
    }
}
