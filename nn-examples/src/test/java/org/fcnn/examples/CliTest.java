// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcnn.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train, eval and predict commands end to end on small generated data. */
class CliTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    /** Runs {@code fcnn args...} in this JVM with {@code stdin}, capturing standard output and error. */
    static Result run(String stdin, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    static double percent(String text, String prefix) {
        Matcher m = Pattern.compile(Pattern.quote(prefix) + "\\s*([0-9.]+)%").matcher(text);
        assertTrue(m.find(), "no '" + prefix + "' in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainEvalPredictOnCsv() throws IOException {
        Path csv = TestData.writeCsv(TestData.blobs(500, 1), dir.resolve("blobs.csv"));
        Path model = dir.resolve("blobs.safetensors");
        Path png = dir.resolve("chart.png");
        Result train = run("", "train", "--data", csv.toString(), "--hidden", "16", "--epochs", "6", "--batch", "16",
                "--lr", "0.01", "--seed", "3", "--backend", "cpu", "--save", model.toString(), "--plot",
                png.toString(), "--progress", "none", "--schedule", "cosine");
        assertEquals(0, train.code(), train.err());
        assertEquals(6, train.lines().stream().filter(l -> l.startsWith("epoch ")).count(), train.out());
        assertTrue(train.out().contains("400 training samples (10% of them for validation), 100 test samples"),
                train.out());
        assertTrue(percent(train.out(), "test accuracy:") > 90, train.out());
        assertTrue(train.out().contains("saved model: " + model), train.out());
        byte[] image = Files.readAllBytes(png);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(image, 8));
        assertTrue(image.length > 5000);
        assertEquals(List.of(2, 16, 3), Arrays.stream(ModelFile.read(model).sizes()).boxed().toList());

        Result eval = run("", "eval", "--model", model.toString(), "--data", csv.toString(), "--backend", "cpu");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(percent(eval.out(), "accuracy:") > 90, eval.out());
        assertTrue(eval.out().contains("(rows: true class, columns: predicted class)"), eval.out());
        assertTrue(eval.out().contains("all rows: 500 samples"), eval.out());

        String rows = "x0,x1\n0.2,0.2\n0.8,0.3\n\n0.5,0.8\n# comment\n0.21,0.19\n0.79,0.31\n";
        Result predict = run(rows, "predict", "--model", model.toString(), "--backend", "cpu");
        assertEquals(0, predict.code(), predict.err());
        assertEquals(List.of("0", "1", "2", "0", "1"), predict.lines());
        Result probabilities = run("0.5,0.8\n", "predict", "--model", model.toString(), "--probabilities");
        String[] cells = probabilities.lines().get(0).split(",");
        assertEquals("2", cells[0]);
        assertEquals(1.0, Double.parseDouble(cells[1]) + Double.parseDouble(cells[2]) + Double.parseDouble(cells[3]),
                1e-5);
    }

    @Test
    void regressionOnCsvTargets() throws IOException {
        Path csv = TestData.writeCsv(TestData.linear(400, 1), dir.resolve("linear.csv"));
        Path model = dir.resolve("linear.safetensors");
        Result train = run("", "train", "--data", csv.toString(), "--targets", "1", "--hidden", "8", "--activation",
                "tanh", "--epochs", "10", "--batch", "16", "--lr", "0.01", "--backend", "cpu", "--save",
                model.toString(), "--plot", dir.resolve("loss.png").toString(), "--progress", "none");
        assertEquals(0, train.code(), train.err());
        Matcher m = Pattern.compile("test loss: ([0-9.e-]+)").matcher(train.out());
        assertTrue(m.find(), train.out());
        assertTrue(Double.parseDouble(m.group(1)) < 0.005, train.out());
        assertFalse(train.out().contains("accuracy"), train.out());
        Result predict = run("0.5,0.5\n1,0\n", "predict", "--model", model.toString());
        assertEquals(0, predict.code(), predict.err());
        assertEquals(2, predict.lines().size());
        assertEquals(0.225, Double.parseDouble(predict.lines().get(0)), 0.05);
        assertEquals(0.6, Double.parseDouble(predict.lines().get(1)), 0.05);
        Result eval = run("", "eval", "--model", model.toString(), "--data", csv.toString(), "--targets", "1");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("loss: "), eval.out());
    }

    @Test
    void idxDirectoryTrainAndEvalInAFreshProcessAgree() throws Exception {
        Path data = Files.createDirectory(dir.resolve("idx"));
        TestData.writeIdxDirectory(data, 600, 200, 5);
        Path model = dir.resolve("idx.safetensors");
        Result train = run("", "train", "--data", data.toString(), "--hidden", "32", "--hidden", "16", "--epochs", "4",
                "--backend", "cpu", "--save", model.toString(), "--progress", "none", "--dropout", "0.1",
                "--weight-decay", "1e-4", "--optimizer", "momentum", "--lr", "0.05");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("36 inputs, 3 classes"), train.out());
        assertTrue(train.out().contains("36 -> 32 relu (dropout 0.1) -> 16 relu (dropout 0.1) -> 3 softmax"),
                train.out());
        double trained = percent(train.out(), "test accuracy:");
        assertTrue(trained > 80, train.out());

        Result eval = run("", "eval", "--model", model.toString(), "--data", data.toString(), "--backend", "cpu");
        assertEquals(trained, percent(eval.out(), "accuracy:"), eval.out());
        assertTrue(eval.out().contains("test set: 200 samples"), eval.out());

        // A fresh JVM, a fresh backend: the same accuracy.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "eval", "--model", model.toString(), "--data", data.toString(), "--backend", "cpu")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertEquals(trained, percent(output, "accuracy:"), output);
    }

    @Test
    void plainProgressDoesNotSpamAndBarRedrawsInPlace() throws IOException {
        Path csv = TestData.writeCsv(TestData.blobs(300, 1), dir.resolve("b.csv"));
        Result plain = run("", "train", "--data", csv.toString(), "--hidden", "4", "--epochs", "2", "--batch", "4",
                "--progress", "plain", "--backend", "cpu", "--validation", "0");
        assertEquals(0, plain.code(), plain.err());
        assertFalse(plain.err().contains("epoch 1/2"), plain.err());
        assertTrue(plain.out().contains("(no validation)") || plain.out().contains("no validation"), plain.out());
        Result bar = run("", "train", "--data", csv.toString(), "--hidden", "4", "--epochs", "2", "--batch", "4",
                "--progress", "bar", "--backend", "cpu");
        assertEquals(0, bar.code(), bar.err());
        assertTrue(bar.err().contains("\repoch 2/2 [=============================="), bar.err());
        assertTrue(bar.err().contains("samples/s loss "), bar.err());
        assertFalse(bar.err().contains("\n"), "the bar never starts new lines: " + bar.err());
    }

    @Test
    void earlyStoppingOnTheCommandLine() throws IOException {
        // Random labels: validation loss goes up soon.
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append(r.nextDouble()).append(',').append(r.nextDouble()).append(',').append(r.nextInt(2)).append('\n');
        }
        Path csv = Files.writeString(dir.resolve("noise.csv"), sb);
        Result res = run("", "train", "--data", csv.toString(), "--hidden", "64", "--epochs", "100", "--batch", "8",
                "--lr", "0.03", "--validation", "0.5", "--patience", "2", "--progress", "none", "--backend", "cpu");
        assertEquals(0, res.code(), res.err());
        assertTrue(res.out().contains("stopped: validation loss did not improve for 2 epochs"), res.out());
        assertTrue(res.out().contains("using the weights of epoch"), res.out());
    }

    @Test
    void clearErrorsForBadInput() throws IOException {
        Result missing = run("", "train", "--data", dir.resolve("nope.csv").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("fcnn train: error: " + dir.resolve("nope.csv") + ": no such file"),
                missing.err());

        Path bad = Files.writeString(dir.resolve("bad.csv"), "a,b,label\n1,2,0\n3,abc,1\n");
        Result cell = run("", "train", "--data", bad.toString());
        assertEquals(1, cell.code());
        assertTrue(cell.err().contains(bad + ":3:2: 'abc' is not a number"), cell.err());

        String old = System.getProperty(DataOptions.FASHION_MNIST_PROPERTY);
        System.setProperty(DataOptions.FASHION_MNIST_PROPERTY, dir.resolve("absent").toString());
        try {
            Result fm = run("", "train", "--data", "fashion-mnist");
            assertEquals(1, fm.code());
            assertTrue(fm.err().contains("apt-get install dataset-fashion-mnist"), fm.err());
        } finally {
            if (old == null) {
                System.clearProperty(DataOptions.FASHION_MNIST_PROPERTY);
            } else {
                System.setProperty(DataOptions.FASHION_MNIST_PROPERTY, old);
            }
        }

        Path corrupt = Files.write(dir.resolve("corrupt.safetensors"), new byte[] {1, 2, 3});
        Result eval = run("", "eval", "--model", corrupt.toString(), "--data", bad.toString());
        assertEquals(1, eval.code());
        assertTrue(eval.err().startsWith("fcnn eval: error: " + corrupt + ": truncated"), eval.err());

        Path csv = TestData.writeCsv(TestData.blobs(100, 1), dir.resolve("ok.csv"));
        Path model = dir.resolve("m.safetensors");
        assertEquals(0, run("", "train", "--data", csv.toString(), "--epochs", "1", "--hidden", "4", "--save",
                model.toString(), "--progress", "none").code());
        Result predict = run("0.1,0.2\n1,2,3\n", "predict", "--model", model.toString());
        assertEquals(1, predict.code());
        assertEquals(1, predict.lines().size(), "the row before the bad one is still predicted");
        assertTrue(predict.err().contains("<stdin>:2: 3 columns, expected 2"), predict.err());

        Result option = run("", "train", "--data", csv.toString(), "--optimizer", "rmsprop");
        assertEquals(1, option.code());
        assertTrue(option.err().contains("unknown optimizer 'rmsprop': expected sgd, momentum or adam"), option.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : List.of("train", "eval", "predict")) {
            Result r = run("", command, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().startsWith("Usage: fcnn " + command), r.out());
        }
        assertTrue(run("", "--help").out().contains("train"));
    }

}
