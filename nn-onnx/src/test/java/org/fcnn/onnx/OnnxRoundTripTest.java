// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.NodeProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorShapeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Export, then import: the same architecture, bit-identical parameters and therefore bit-identical predictions
 * on the same backend, for every activation, both precisions and every bias kind. Also the exported graph's
 * structure (what ONNX engines rely on) and the atomic write.
 */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        for (Precision p : Precision.values()) {
            for (Activation a : Activation.values()) {
                Activation hidden = a == Activation.SOFTMAX ? Activation.TANH : a;
                cases.add(Arguments.of(p, hidden, a));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("networks")
    void exportedThenImportedNetworksPredictTheSame(Precision precision, Activation hidden, Activation output)
            throws IOException {
        int[] sizes = {6, 9, 7, 4};
        Path file = dir.resolve("net.onnx");
        double[] x = Fixtures.randomInputs(11, sizes[0], 5);
        try (Network net = Fixtures.randomNetwork(sizes, hidden, output, precision, 21)) {
            OnnxExport.write(net, file);
            OnnxModel m = OnnxImport.read(file);
            assertArrayEquals(sizes, m.sizes());
            assertEquals(List.of(hidden, hidden, output), m.activations());
            assertEquals(precision, m.precision());
            assertEquals(net.loss(), m.loss());
            assertEquals("fcnn", m.producerName());
            for (int i = 0; i < sizes.length - 1; i++) {
                assertArrayEquals(net.layer(i).weights(), m.weights(i), "layer " + i + " weights");
                assertArrayEquals(net.layer(i).biases(), m.biases(i), "layer " + i + " biases");
            }
            try (Network copy = m.network("cpu")) {
                assertArrayEquals(Fixtures.predict(net, x, 11), Fixtures.predict(copy, x, 11));
                double[] one = java.util.Arrays.copyOf(x, sizes[0]);
                assertArrayEquals(Fixtures.predict(net, one, 1), Fixtures.predict(copy, one, 1), "batch of one");
            }
        }
    }

    @Test
    void biasKindsDropoutLossAndExtraMetadataSurvive() throws IOException {
        Path file = dir.resolve("kinds.onnx");
        try (Network net = Network.builder().input(3)
                .dense(5, Activation.RELU, Bias.frozen(0.35)).dropout(0.2)
                .dense(4, Activation.SIGMOID, Bias.none())
                .dense(2, Activation.IDENTITY, Bias.trainable())
                .loss(Loss.SQUARED_ERROR).precision(Precision.FLOAT64).backend("cpu").seed(3).build()) {
            Fixtures.randomBiases(net, 3);
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("class_names", "a,b");
            extra.put("trained_on", "blobs");
            OnnxExport.write(net, file, extra);
            OnnxModel m = OnnxImport.read(file);
            assertEquals(List.of("frozen", "none", "trainable"), m.biasKinds());
            assertEquals(0.2, m.dropout(0));
            assertEquals(0.0, m.dropout(1));
            assertNull(m.biases(1));
            assertEquals("a,b", m.metadata().get("class_names"));
            assertEquals("blobs", m.metadata().get("trained_on"));
            assertEquals(List.of("class_names", "trained_on", "sizes", "activations", "biases", "dropout", "loss",
                    "precision", "fcnn_version"), List.copyOf(m.metadata().keySet()));
            assertEquals("3,5,4,2", m.metadata().get("sizes"));
            double[] x = Fixtures.randomInputs(7, 3, 9);
            try (Network copy = m.network("cpu")) {
                assertFalse(copy.layer(0).bias().isTrainable());
                assertTrue(copy.layer(0).bias().isPresent());
                assertFalse(copy.layer(1).bias().isPresent());
                assertEquals(0.2, copy.layer(0).dropout());
                assertArrayEquals(Fixtures.predict(net, x, 7), Fixtures.predict(copy, x, 7));
            }
        }
    }

    @Test
    void theGraphIsGemmAndActivationNodesWithADynamicBatch() throws IOException {
        try (Network net = Fixtures.randomNetwork(new int[] {4, 8, 3}, Activation.RELU, Activation.SOFTMAX,
                Precision.FLOAT32, 1)) {
            ModelProto m = ModelProto.parseFrom(OnnxExport.toBytes(net));
            assertEquals(7, m.getIrVersion());
            assertEquals("fcnn", m.getProducerName());
            assertEquals(1, m.getOpsetImportCount());
            assertEquals("", m.getOpsetImport(0).getDomain());
            assertEquals(13, m.getOpsetImport(0).getVersion());
            GraphProto g = m.getGraph();
            assertEquals(List.of("Gemm", "Relu", "Gemm", "Softmax"),
                    g.getNodeList().stream().map(NodeProto::getOpType).toList());
            NodeProto gemm = g.getNode(0);
            assertEquals(List.of("input", "layers.0.weight", "layers.0.bias"), gemm.getInputList());
            assertEquals("transB", gemm.getAttribute(0).getName());
            assertEquals(1, gemm.getAttribute(0).getI());
            NodeProto softmax = g.getNode(3);
            assertEquals("axis", softmax.getAttribute(0).getName());
            assertEquals(-1, softmax.getAttribute(0).getI());
            assertEquals(List.of("output"), softmax.getOutputList());
            TensorShapeProto in = g.getInput(0).getType().getTensorType().getShape();
            assertEquals("batch", in.getDim(0).getDimParam());
            assertEquals(4, in.getDim(1).getDimValue());
            assertEquals(TensorProto.DataType.FLOAT_VALUE, g.getInput(0).getType().getTensorType().getElemType());
            assertEquals("batch", g.getOutput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
            TensorProto w = g.getInitializer(0);
            assertEquals("layers.0.weight", w.getName());
            assertEquals(List.of(8L, 4L), w.getDimsList());
            assertEquals(8 * 4 * 4, w.getRawData().size());
            // Row-major [out, in], little-endian: element [1, 2] is W_12 of the network.
            float w12 = w.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat((4 + 2) * 4);
            assertEquals((float) net.layer(0).weights()[4 + 2], w12);
        }
    }

    @Test
    void identityLayersNeedNoNodeAndFloat64UsesDouble() throws IOException {
        try (Network net = Network.builder().input(2).dense(3, Activation.IDENTITY, Bias.none())
                .dense(1, Activation.IDENTITY).precision(Precision.FLOAT64).backend("cpu").build()) {
            GraphProto g = ModelProto.parseFrom(OnnxExport.toBytes(net)).getGraph();
            assertEquals(List.of("Gemm", "Gemm"), g.getNodeList().stream().map(NodeProto::getOpType).toList());
            assertEquals(2, g.getNode(0).getInputCount(), "no bias input for Bias.none()");
            assertEquals("output", g.getNode(1).getOutput(0));
            assertEquals(TensorProto.DataType.DOUBLE_VALUE, g.getInitializer(0).getDataType());
            assertEquals(3 * 2 * 8, g.getInitializer(0).getRawData().size());
        }
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaryFile() throws IOException {
        Path file = dir.resolve("m.onnx");
        try (Network a = Fixtures.randomNetwork(new int[] {3, 4, 2}, Activation.TANH, Activation.SIGMOID,
                Precision.FLOAT32, 1);
             Network b = Fixtures.randomNetwork(new int[] {3, 5, 2}, Activation.TANH, Activation.SIGMOID,
                     Precision.FLOAT32, 2)) {
            OnnxExport.write(a, file);
            assertArrayEquals(OnnxExport.toBytes(a), Files.readAllBytes(file));
            OnnxExport.write(b, file);
            assertArrayEquals(OnnxExport.toBytes(b), Files.readAllBytes(file), "replaced by the second write");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file left beside it");
            }
            Path missing = dir.resolve("no-such-dir").resolve("m.onnx");
            assertThrows(NoSuchFileException.class, () -> OnnxExport.write(a, missing));
            assertFalse(Files.exists(missing.getParent()));
            assertThrows(IllegalArgumentException.class, () -> OnnxExport.write(a, file, Map.of("sizes", "1,2")));
            assertArrayEquals(OnnxExport.toBytes(b), Files.readAllBytes(file), "a failed export leaves the file");
            a.close();
            assertThrows(IllegalStateException.class, () -> OnnxExport.write(a, file));
            assertArrayEquals(OnnxExport.toBytes(b), Files.readAllBytes(file), "a closed network is not written");
        }
    }

    @Test
    void importedNetworksRunOnAnyPrecisionAndTrainFurther() throws IOException {
        Path file = dir.resolve("t.onnx");
        try (Network net = Fixtures.randomNetwork(new int[] {2, 6, 3}, Activation.RELU, Activation.SOFTMAX,
                Precision.FLOAT64, 4)) {
            OnnxExport.write(net, file);
        }
        OnnxModel m = OnnxImport.read(file);
        try (Network copy = m.network("cpu")) {
            double before = copy.evaluateLoss(new double[] {0.1, 0.9}, new double[] {0, 1, 0}, 1);
            for (int i = 0; i < 50; i++) {
                copy.trainStep(new double[] {0.1, 0.9}, new double[] {0, 1, 0});
            }
            double after = copy.evaluateLoss(new double[] {0.1, 0.9}, new double[] {0, 1, 0}, 1);
            assertTrue(after < before, before + " -> " + after);
        }
        try (org.fcnn.spi.Backend cpu = org.fcnn.api.Backends.open("cpu");
             Network f32 = m.network(cpu, Precision.FLOAT32);
             Network f64 = m.network(cpu)) {
            assertEquals(Precision.FLOAT32, f32.precision());
            double[] x = Fixtures.randomInputs(3, 2, 1);
            double[] y32 = Fixtures.predict(f32, x, 3);
            double[] y64 = Fixtures.predict(f64, x, 3);
            for (int i = 0; i < y32.length; i++) {
                assertEquals(y64[i], y32[i], 1e-5, "float32 copy of a float64 model, output " + i);
            }
        }
    }
}
