// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.fcnn.onnx.TestModels.DOUBLE;
import static org.fcnn.onnx.TestModels.FLOAT;
import static org.fcnn.onnx.TestModels.floats;
import static org.fcnn.onnx.TestModels.ints;
import static org.fcnn.onnx.TestModels.node;
import static org.fcnn.onnx.TestModels.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.fcnn.io.ModelFileException;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.NodeProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Valid ONNX models that are not plain MLPs are refused with an {@link UnsupportedOnnxModelException} naming the
 * first node (name and op_type) or the type that cannot be taken; inconsistent ones with an
 * {@link OnnxFormatException}. Each case changes one thing in an otherwise importable 3-4-2 model.
 */
class UnsupportedOnnxTest {
    @TempDir
    Path dir;

    /** x [batch, 3] -> Gemm g1 (W1 [4, 3], b1) -> Relu r1 -> Gemm g2 (W2 [2, 4], b2) -> Sigmoid s2 -> y. */
    private static GraphProto.Builder mlp() {
        return TestModels.graph(FLOAT, 3, 2)
                .addInitializer(raw("W1", FLOAT, new long[] {4, 3}, new double[12]))
                .addInitializer(raw("b1", FLOAT, new long[] {4}, new double[4]))
                .addInitializer(raw("W2", FLOAT, new long[] {2, 4}, new double[8]))
                .addInitializer(raw("b2", FLOAT, new long[] {2}, new double[2]))
                .addNode(node("g1", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1)))
                .addNode(node("r1", "Relu", List.of("z1"), "a1"))
                .addNode(node("g2", "Gemm", List.of("a1", "W2", "b2"), "z2", ints("transB", 1)))
                .addNode(node("s2", "Sigmoid", List.of("z2"), "y"));
    }

    private <T extends ModelFileException> T refused(Class<T> type, ModelProto model, String... expected) {
        Path file = TestModels.write(dir, "m.onnx", model);
        T e = assertThrows(type, () -> OnnxImport.read(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "'" + s + "' missing from: " + e.getMessage());
        }
        return e;
    }

    private UnsupportedOnnxModelException unsupported(UnaryOperator<GraphProto.Builder> change, String... expected) {
        return refused(UnsupportedOnnxModelException.class, TestModels.model(change.apply(mlp()), 13), expected);
    }

    private static GraphProto.Builder replaceNode(GraphProto.Builder g, int index, NodeProto n) {
        return g.setNode(index, n);
    }

    @Test
    void theUnchangedModelImports() throws Exception {
        OnnxModel m = OnnxImport.read(TestModels.write(dir, "ok.onnx", TestModels.model(mlp(), 13)));
        assertEquals(List.of(3, 4, 2), java.util.Arrays.stream(m.sizes()).boxed().toList());
    }

    @Test
    void anUnknownOperatorIsNamedWithItsNode() {
        UnsupportedOnnxModelException e = unsupported(g -> replaceNode(g, 1, node("conv7", "Conv", List.of("z1"), "a1")),
                "node 'conv7' (Conv): operator not supported", "fcnn imports Gemm, MatMul");
        assertEquals("conv7", e.nodeName());
        assertEquals("Conv", e.opType());
        unsupported(g -> replaceNode(g, 3, node("ls", "LogSoftmax", List.of("z2"), "y")), "node 'ls' (LogSoftmax)");
        UnsupportedOnnxModelException unnamed = unsupported(
                g -> replaceNode(g, 1, node("", "LeakyRelu", List.of("z1"), "a1")), "node '#1' (LeakyRelu)");
        assertEquals("#1", unnamed.nodeName());
    }

    @Test
    void gemmOnlyWithAlphaAndBetaOneAndTransAZero() {
        unsupported(g -> replaceNode(g, 0, node("g1", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1),
                floats("alpha", 2f))), "node 'g1' (Gemm): alpha = 2.0, beta = 1.0", "only with alpha = beta = 1");
        unsupported(g -> replaceNode(g, 0, node("g1", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1),
                floats("beta", 0.5f))), "node 'g1' (Gemm): alpha = 1.0, beta = 0.5");
        unsupported(g -> replaceNode(g, 0, node("g1", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1),
                ints("transA", 1))), "node 'g1' (Gemm): transA = 1");
        unsupported(g -> replaceNode(g, 0, node("g1", "Gemm", List.of("x", "W1", "b1"), "z1", ints("transB", 1),
                ints("foo", 1))), "node 'g1' (Gemm): attribute 'foo' is not one fcnn reads");
    }

    @Test
    void softmaxOnlyOverTheLastAxisOfTheOutputLayer() {
        unsupported(g -> replaceNode(g, 3, node("sm", "Softmax", List.of("z2"), "y", ints("axis", 0))),
                "node 'sm' (Softmax): softmax over axis 0");
        unsupported(g -> replaceNode(g, 1, node("sm1", "Softmax", List.of("z1"), "a1")),
                "node 'sm1' (Softmax): softmax on a hidden layer");
    }

    @Test
    void oneActivationPerLayerAndNotBeforeTheFirst() {
        unsupported(g -> {
            g.setNode(0, node("r0", "Relu", List.of("x"), "x0"));
            return g;
        }, "node 'r0' (Relu): an activation before any Gemm or MatMul");
        unsupported(g -> g.setNode(3, node("s2", "Sigmoid", List.of("z2"), "s"))
                        .addNode(node("t2", "Tanh", List.of("s"), "y")),
                "node 't2' (Tanh): a second activation on layer 1 (after 's2')");
    }

    @Test
    void aGraphThatIsNotOneChainIsRefused() {
        // The second Gemm reads the graph input instead of the first layer's output (a branch).
        unsupported(g -> replaceNode(g, 2, node("g2", "Gemm", List.of("x", "W2", "b2"), "z2", ints("transB", 1))),
                "node 'g2' (Gemm): takes 'x' as its input, but the chain of layers from the graph input has reached 'a1'");
        // A residual connection: the Add's other operand is a computed value, not a parameter.
        unsupported(g -> g.setNode(1, node("r1", "Relu", List.of("z1"), "r")).addNode(2,
                        node("skip", "Add", List.of("z1", "r"), "a1")),
                "node 'skip' (Add)");
        unsupported(g -> g.setOutput(0, TestModels.value("a1", FLOAT, "batch", 4L)),
                "graph output 'a1' is not the end of the chain of layers", "'y'");
    }

    @Test
    void oneFloatOrDoubleInputOfRankTwo() {
        unsupported(g -> g.addInput(TestModels.value("x2", FLOAT, "batch", 3L)), "graph has 2 inputs ('x', 'x2')");
        unsupported(g -> g.setInput(0, TestModels.value("x", TensorProto.DataType.FLOAT16_VALUE, "batch", 3L)),
                "graph input 'x' has element type FLOAT16 (10); fcnn reads FLOAT (1) and DOUBLE (11)");
        unsupported(g -> g.setInput(0, TestModels.value("x", FLOAT, 1L, 3L, 224L, 224L)),
                "graph input 'x' has shape [1, 3, 224, 224]; fcnn reads [batch, features]");
        unsupported(g -> g.setInitializer(0, raw("W1", FLOAT, new long[] {4, 3}, new double[12]).toBuilder()
                        .setDataType(TensorProto.DataType.INT64_VALUE).build()),
                "tensor 'W1' has element type INT64 (7)");
    }

    @Test
    void externalDataCustomDomainsAndOldOpsetsAreRefused() {
        unsupported(g -> g.setInitializer(0, TensorProto.newBuilder().setName("W1").setDataType(FLOAT).addDims(4)
                        .addDims(3).setDataLocation(TensorProto.DataLocation.EXTERNAL).build()),
                "tensor 'W1' keeps its data in an external file");
        unsupported(g -> replaceNode(g, 1, node("fr", "Relu", List.of("z1"), "a1").toBuilder()
                .setDomain("com.microsoft").build()), "node 'fr' (Relu): operator of domain 'com.microsoft'");
        refused(UnsupportedOnnxModelException.class, TestModels.model(mlp(), 6), "operator set 6 is older than 7");
        unsupported(g -> replaceNode(g, 0, node("g1", "Gemm", List.of("x", "Wx", "b1"), "z1", ints("transB", 1))),
                "node 'g1' (Gemm): weights B 'Wx' is not an initializer or a Constant");
    }

    @Test
    void inconsistentModelsAreFormatErrors() {
        ModelProto sizes = TestModels.model(mlp().setInitializer(2, raw("W2", FLOAT, new long[] {2, 5},
                new double[10])), 13);
        refused(OnnxFormatException.class, sizes, "layer 1 (node 'g2') takes 5 inputs, but layer 0 gives 4");
        ModelProto mixed = TestModels.model(mlp().setInitializer(1, raw("b1", DOUBLE, new long[] {4},
                new double[4])), 13);
        refused(OnnxFormatException.class, mixed, "node 'g1' (Gemm): tensor 'b1' is DOUBLE (11) but the graph input "
                + "is FLOAT (1)");
        ModelProto declared = TestModels.model(mlp().setOutput(0, TestModels.value("y", FLOAT, "batch", 7L)), 13);
        refused(OnnxFormatException.class, declared, "graph output 'y' declares 7 features, but the last layer gives 2");
        ModelProto input = TestModels.model(mlp().setInput(0, TestModels.value("x", FLOAT, "batch", 9L)), 13);
        refused(OnnxFormatException.class, input, "layer 0 (node 'g1') takes 3 inputs, but graph input 'x' has 9");
        refused(OnnxFormatException.class, TestModels.model(mlp(), 13).toBuilder().clearOpsetImport().build(),
                "no opset_import for the default ONNX domain");
        refused(OnnxFormatException.class, TestModels.model(mlp(), 13).toBuilder().clearGraph().build(), "no graph");
    }
}
