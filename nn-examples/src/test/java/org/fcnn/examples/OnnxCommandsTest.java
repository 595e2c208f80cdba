// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.fcnn.api.Activation;
import org.fcnn.api.Precision;
import org.fcnn.onnx.OnnxImport;
import org.fcnn.onnx.OnnxModel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fcnn export}, and {@code eval} and {@code predict} on ONNX files: a model trained and saved as safetensors,
 * exported to ONNX, predicts and evaluates exactly as before (same float32 parameters on the same backend: the
 * same bits), whatever the files are called.
 */
class OnnxCommandsTest {
    @TempDir
    Path dir;

    private Path csv;
    private Path safetensors;
    /** Rows of the three blobs' centres and around them. */
    private static final String ROWS = "x0,x1\n0.2,0.2\n0.8,0.3\n0.5,0.8\n0.21,0.19\n0.79,0.31\n0.4,0.6\n0.9,0.9\n";

    @BeforeEach
    void train() throws IOException {
        csv = TestData.writeCsv(TestData.blobs(500, 1), dir.resolve("blobs.csv"));
        safetensors = dir.resolve("blobs.safetensors");
        CliTest.Result train = CliTest.run("", "train", "--data", csv.toString(), "--hidden", "16", "--epochs", "6",
                "--batch", "16", "--lr", "0.01", "--seed", "3", "--backend", "cpu", "--save", safetensors.toString(),
                "--progress", "none");
        assertEquals(0, train.code(), train.err());
    }

    private CliTest.Result export(Path model, Path onnx) {
        CliTest.Result r = CliTest.run("", "export", "--model", model.toString(), "--onnx", onnx.toString());
        assertEquals(0, r.code(), r.err());
        return r;
    }

    @Test
    void exportedModelsPredictAndEvaluateAsTheSavedOnes() throws IOException {
        Path onnx = dir.resolve("blobs.onnx");
        CliTest.Result exported = export(safetensors, onnx);
        assertEquals(List.of("exported " + safetensors + " (safetensors: 2 -> 16 relu -> 3 softmax, "
                + "softmax_cross_entropy, float32) to " + onnx + ": ONNX opset 13, input 'input' [batch, 2], output "
                + "'output' [batch, 3]"), exported.lines());
        OnnxModel m = OnnxImport.read(onnx);
        assertArrayEquals(new int[] {2, 16, 3}, m.sizes());
        assertEquals(List.of(Activation.RELU, Activation.SOFTMAX), m.activations());
        assertEquals(Precision.FLOAT32, m.precision());
        assertEquals("fcnn", m.producerName());
        assertTrue(m.metadata().get("dataset").contains("blobs.csv"), m.metadata().toString());
        assertTrue(m.metadata().containsKey("test_accuracy"), m.metadata().toString());

        CliTest.Result fromSafetensors = CliTest.run(ROWS, "predict", "--model", safetensors.toString(),
                "--probabilities", "--backend", "cpu");
        CliTest.Result fromOnnx = CliTest.run(ROWS, "predict", "--model", onnx.toString(), "--probabilities",
                "--backend", "cpu");
        assertEquals(0, fromOnnx.code(), fromOnnx.err());
        assertEquals(7, fromOnnx.lines().size(), fromOnnx.out());
        assertEquals(fromSafetensors.out(), fromOnnx.out(), "the same classes and probabilities, to the last digit");
        assertEquals(List.of("0", "1", "2", "0", "1"), fromOnnx.lines().subList(0, 5).stream()
                .map(l -> l.split(",")[0]).toList());

        CliTest.Result evalSafetensors = CliTest.run("", "eval", "--model", safetensors.toString(), "--data",
                csv.toString(), "--backend", "cpu");
        CliTest.Result evalOnnx = CliTest.run("", "eval", "--model", onnx.toString(), "--data", csv.toString(),
                "--backend", "cpu");
        assertEquals(0, evalOnnx.code(), evalOnnx.err());
        assertTrue(evalOnnx.lines().get(0).startsWith("model: " + onnx + " (ONNX): 2 -> 16 relu -> 3 softmax"),
                evalOnnx.out());
        assertTrue(evalSafetensors.lines().get(0).startsWith("model: " + safetensors + " (safetensors): "),
                evalSafetensors.out());
        assertEquals(evalSafetensors.lines().subList(1, evalSafetensors.lines().size()),
                evalOnnx.lines().subList(1, evalOnnx.lines().size()), "accuracy, loss and confusion matrix");
        assertTrue(CliTest.percent(evalOnnx.out(), "accuracy:") > 90, evalOnnx.out());
    }

    @Test
    void theFormatComesFromTheContentNotTheName() throws IOException {
        Path onnx = dir.resolve("m.onnx");
        export(safetensors, onnx);
        Path onnxNamedSafetensors = Files.copy(onnx, dir.resolve("really-onnx.safetensors"));
        Path safetensorsNamedOnnx = Files.copy(safetensors, dir.resolve("really-safetensors.onnx"));
        Path noExtension = Files.copy(onnx, dir.resolve("model"));
        String expected = CliTest.run(ROWS, "predict", "--model", safetensors.toString(), "--probabilities").out();
        for (Path p : List.of(onnxNamedSafetensors, safetensorsNamedOnnx, noExtension)) {
            CliTest.Result r = CliTest.run(ROWS, "predict", "--model", p.toString(), "--probabilities");
            assertEquals(0, r.code(), p + ": " + r.err());
            assertEquals(expected, r.out(), p.toString());
        }
        assertEquals(ModelSource.Format.ONNX, ModelSource.detect(onnxNamedSafetensors));
        assertEquals(ModelSource.Format.SAFETENSORS, ModelSource.detect(safetensorsNamedOnnx));
    }

    /** Exporting an ONNX file again (fcnn's own) writes the same bytes: nothing is lost or reordered. */
    @Test
    void exportingAnExportedModelAgainGivesTheSameFile() throws IOException {
        Path first = dir.resolve("first.onnx");
        Path second = dir.resolve("second.onnx");
        export(safetensors, first);
        CliTest.Result again = export(first, second);
        assertTrue(again.out().startsWith("exported " + first + " (ONNX: 2 -> 16 relu -> 3 softmax"), again.out());
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    }

    @Test
    void float64RegressionModelsExportToo() throws IOException {
        Path linear = TestData.writeCsv(TestData.linear(200, 1), dir.resolve("linear.csv"));
        Path model = dir.resolve("linear.safetensors");
        assertEquals(0, CliTest.run("", "train", "--data", linear.toString(), "--targets", "1", "--hidden", "6",
                "--activation", "tanh", "--epochs", "2", "--precision", "float64", "--backend", "cpu", "--save",
                model.toString(), "--progress", "none").code());
        Path onnx = dir.resolve("linear.onnx");
        assertTrue(export(model, onnx).out().contains("2 -> 6 tanh -> 1 identity, squared_error, float64"));
        assertEquals(Precision.FLOAT64, OnnxImport.read(onnx).precision());
        String rows = "0.5,0.5\n1,0\n0.1,0.9\n";
        CliTest.Result a = CliTest.run(rows, "predict", "--model", model.toString());
        CliTest.Result b = CliTest.run(rows, "predict", "--model", onnx.toString());
        assertEquals(0, b.code(), b.err());
        assertEquals(3, b.lines().size());
        assertEquals(a.out(), b.out());
    }

    @Test
    void clearErrors() throws IOException {
        Path corrupt = Files.write(dir.resolve("corrupt.safetensors"), new byte[] {1, 2, 3});
        CliTest.Result bad = CliTest.run("", "export", "--model", corrupt.toString(), "--onnx",
                dir.resolve("x.onnx").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().startsWith("fcnn export: error: " + corrupt + ": truncated"), bad.err());
        assertTrue(!Files.exists(dir.resolve("x.onnx")));

        Path missingDir = dir.resolve("no-such-dir").resolve("m.onnx");
        CliTest.Result nowhere = CliTest.run("", "export", "--model", safetensors.toString(), "--onnx",
                missingDir.toString());
        assertEquals(1, nowhere.code());
        assertTrue(nowhere.err().startsWith("fcnn export: error: " + missingDir.getParent()), nowhere.err());

        CliTest.Result noOnnx = CliTest.run("", "export", "--model", safetensors.toString());
        assertEquals(2, noOnnx.code());
        assertTrue(noOnnx.err().contains("Missing required option: '--onnx=FILE'"), noOnnx.err());

        // Starts like an ONNX model (ir_version 7), then garbage.
        Path brokenOnnx = Files.write(dir.resolve("broken.onnx"), new byte[] {0x08, 0x07, 0x3a, 0x7f, 0x01, 0x02});
        CliTest.Result predict = CliTest.run("0.1,0.2\n", "predict", "--model", brokenOnnx.toString());
        assertEquals(1, predict.code());
        assertTrue(predict.err().startsWith("fcnn predict: error: " + brokenOnnx + ": not a valid ONNX model"),
                predict.err());

        CliTest.Result eval = CliTest.run("", "eval", "--model", brokenOnnx.toString(), "--data", csv.toString());
        assertEquals(1, eval.code());
        assertTrue(eval.err().startsWith("fcnn eval: error: " + brokenOnnx + ": "), eval.err());
    }

    @Test
    void exportHasHelp() {
        CliTest.Result r = CliTest.run("", "export", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: fcnn export"), r.out());
        assertTrue(r.out().toLowerCase(Locale.ROOT).contains("--onnx=file"), r.out());
        assertTrue(CliTest.run("", "--help").out().contains("export"));
    }
}
