// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models exported by {@code torch.onnx.export} (PyTorch 1.13, {@code src/test/python/make_fixture.py}) import into
 * networks whose predictions equal PyTorch's recorded ones.
 *
 * <p>Tolerances, relative to {@code max(1, |y|)}: float32 1e-5. PyTorch and fcnn compute the same float32
 * products and sums in different orders (and fcnn's kernels may fuse multiply-adds), so each dot product of at
 * most 8 terms of magnitude below 1 differs by a few units in the last place, {@code ~8 * 6e-8}; through two or
 * three layers of 1-Lipschitz activations that stays below 1e-6, and 1e-5 leaves margin while still catching a
 * wrong weight, bias or layout (errors of order 1e-1). float64: 1e-12, ~10,000 times the float64 rounding of
 * such sums, and far below the 1e-8 a float32 rounding anywhere on the path would cause.
 */
class TorchFixtureTest {
    @TempDir
    Path dir;

    @Test
    void reluSoftmaxGemmModelPredictsAsPyTorch() throws IOException {
        OnnxModel m = OnnxImport.read(Fixtures.resource("torch-4-8-3-relu-softmax.onnx", dir));
        assertArrayEquals(new int[] {4, 8, 3}, m.sizes());
        assertEquals(List.of(Activation.RELU, Activation.SOFTMAX), m.activations());
        assertEquals(List.of("trainable", "trainable"), m.biasKinds());
        assertEquals(Precision.FLOAT32, m.precision());
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, m.loss());
        assertEquals("pytorch", m.producerName());
        assertEquals(13, m.opsetVersion());
        assertTrue(m.isClassifier());
        assertPredictsAsRecorded(m, "torch-4-8-3-relu-softmax.csv", 1e-5);
    }

    @Test
    void float64TanhSigmoidModelWithAMatMulLayerPredictsAsPyTorch() throws IOException {
        OnnxModel m = OnnxImport.read(Fixtures.resource("torch-5-6-4-2-tanh-sigmoid.onnx", dir));
        assertArrayEquals(new int[] {5, 6, 4, 2}, m.sizes());
        assertEquals(List.of(Activation.TANH, Activation.SIGMOID, Activation.IDENTITY), m.activations());
        // Linear(5, 6, bias=False) is exported as a MatMul with the transposed weight, without an Add.
        assertEquals(List.of("none", "trainable", "trainable"), m.biasKinds());
        assertNull(m.biases(0));
        assertEquals(Precision.FLOAT64, m.precision());
        assertEquals(Loss.SQUARED_ERROR, m.loss());
        assertPredictsAsRecorded(m, "torch-5-6-4-2-tanh-sigmoid.csv", 1e-12);
    }

    @Test
    void matMulAddModelPredictsAsPyTorch() throws IOException {
        OnnxModel m = OnnxImport.read(Fixtures.resource("torch-3-5-2-matmul-add.onnx", dir));
        assertArrayEquals(new int[] {3, 5, 2}, m.sizes());
        assertEquals(List.of(Activation.RELU, Activation.IDENTITY), m.activations());
        assertEquals(List.of("trainable", "trainable"), m.biasKinds());
        assertPredictsAsRecorded(m, "torch-3-5-2-matmul-add.csv", 1e-5);
    }

    @Test
    void theFixturesLookLikeOnnx() throws IOException {
        for (String name : List.of("torch-4-8-3-relu-softmax.onnx", "torch-5-6-4-2-tanh-sigmoid.onnx",
                "torch-3-5-2-matmul-add.onnx")) {
            assertTrue(OnnxImport.looksLikeOnnx(Files.readAllBytes(Fixtures.resource(name, dir))), name);
        }
    }

    /** An imported PyTorch model, exported by fcnn and imported again, still predicts as PyTorch did. */
    @Test
    void aPyTorchModelSurvivesFcnnsExport() throws IOException {
        OnnxModel torch = OnnxImport.read(Fixtures.resource("torch-4-8-3-relu-softmax.onnx", dir));
        Path again = dir.resolve("again.onnx");
        try (Network net = torch.network("cpu")) {
            OnnxExport.write(net, again);
        }
        OnnxModel m = OnnxImport.read(again);
        assertEquals("fcnn", m.producerName());
        assertPredictsAsRecorded(m, "torch-4-8-3-relu-softmax.csv", 1e-5);
    }

    private static void assertPredictsAsRecorded(OnnxModel m, String csv, double tolerance) {
        Fixtures.Recorded r = Fixtures.recorded(csv);
        assertEquals(m.inputSize(), r.inputs());
        assertEquals(m.outputSize(), r.outputs());
        try (Network net = m.network("cpu")) {
            double[] y = Fixtures.predict(net, r.x(), r.n());
            double worst = 0;
            for (int i = 0; i < y.length; i++) {
                double err = Math.abs(y[i] - r.y()[i]) / Math.max(1, Math.abs(r.y()[i]));
                worst = Math.max(worst, err);
                assertTrue(err <= tolerance, csv + ": output " + i + " is " + y[i] + ", PyTorch's " + r.y()[i]);
            }
            System.out.printf("%s: %d outputs, largest relative difference from PyTorch %.3g%n", csv, y.length, worst);
        }
    }
}
