// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.fcnn.fuzz.FuzzTarget.readOrReject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcnn.api.Network;
import org.fcnn.fuzz.FuzzTarget;
import org.fcnn.io.ModelFileException;

/**
 * Fuzz test of the ONNX reader. In {@code mvn verify} it replays its corpus in
 * {@code src/test/resources/org/fcnn/onnx/OnnxFuzzTestInputs/onnxImport/} (PyTorch's and fcnn's exports and
 * cut or damaged ones); {@code -Pfuzz} fuzzes it (docs/RELIABILITY.md, "Fuzzing the readers"). The rule for a
 * finding is {@link FuzzTarget#readOrReject}: {@link OnnxImport#read(Path)} documents
 * {@link ModelFileException} ({@link OnnxFormatException}, {@link UnsupportedOnnxModelException}) for a bad file.
 */
class OnnxFuzzTest {

    static {
        // Load once, outside the time limit, what every input goes through: the classes generated from
        // onnx.proto (large, and instrumented by Jazzer as they load: over a second, cold) and the CPU backend.
        try (var in = OnnxFuzzTest.class.getResourceAsStream("torch-4-8-3-relu-softmax.onnx")) {
            Path file = Files.write(FuzzTarget.scratch("warm-up.onnx"), in.readAllBytes());
            try (Network net = OnnxImport.read(file).network("cpu")) {
                net.predict(new double[net.inputSize()]);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@link OnnxImport#read(Path)} on the bytes. An accepted model must be usable: sizes that chain, one
     * activation per layer, and a network on the CPU backend that takes its weights and predicts a sample of
     * zeros (a model that passes the reader but cannot be built is a finding).
     */
    @FuzzTest
    void onnxImport(byte[] bytes) throws Exception {
        Path file = Files.write(FuzzTarget.scratch("fuzz.onnx"), bytes);
        OnnxModel model = readOrReject(() -> OnnxImport.read(file), ModelFileException.class);
        if (model == null) {
            return;
        }
        int[] sizes = model.sizes();
        assertTrue(sizes.length >= 2, "at least one layer");
        assertEquals(sizes.length - 1, model.activations().size());
        for (int s : sizes) {
            assertTrue(s > 0, "positive sizes");
        }
        if ((long) sizes[0] * sizes[1] > 1 << 20) {
            return; // a valid but large model: building it is not the reader's concern
        }
        try (Network net = model.network("cpu")) {
            double[] out = net.predict(new double[sizes[0]]);
            assertEquals(sizes[sizes.length - 1], out.length);
        }
    }
}
