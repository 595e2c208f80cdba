// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.io.SafeTensors.DType;
import org.fcnn.io.SafeTensors.Tensor;
import org.fcnn.spi.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    /** 3 -> 4 tanh (trainable bias, dropout) -> 2 softmax (frozen bias) with seeded weights. */
    static Network small(Precision p) {
        Network net = Network.builder().input(3).dense(4, Activation.TANH).dropout(0.25)
                .dense(2, Activation.SOFTMAX, Bias.frozen(0.5)).optimizer(Optimizer.sgd(0.1)).precision(p)
                .seed(7).backend("cpu").build();
        net.layer(0).setBiases(new double[] {0.1, -0.2, 0.3, -0.4});
        return net;
    }

    @Test
    void fileMatchesTheSafetensorsFormatByteByByte() throws IOException {
        Path f = dir.resolve("small.safetensors");
        try (Network net = small(Precision.FLOAT32)) {
            ModelFile.save(net, f, Map.of("note", "té\"st"));
            byte[] bytes = Files.readAllBytes(f);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = b.getLong(0);
            assertEquals(0, n % 8);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertEquals("{\"__metadata__\":{\"format\":\"fcnn\",\"format_version\":\"1\",\"sizes\":\"3,4,2\","
                    + "\"activations\":\"tanh,softmax\",\"biases\":\"trainable,frozen\",\"dropout\":\"0.25,0\","
                    + "\"loss\":\"softmax_cross_entropy\",\"precision\":\"float32\",\"note\":\"té\\\"st\"},"
                    + "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]},"
                    + "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[48,64]},"
                    + "\"layers.1.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[64,96]},"
                    + "\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[96,104]}}",
                    header.stripTrailing());
            assertEquals(8 + n + 104, bytes.length);
            int data = 8 + (int) n;
            List<double[]> expected = new ArrayList<>();
            for (Layer l : net.layers()) {
                expected.add(l.weights());
                expected.add(l.biases());
            }
            int pos = data;
            for (double[] values : expected) {
                for (double v : values) {
                    assertEquals(Float.floatToRawIntBits((float) v), b.getInt(pos), "little-endian float at " + pos);
                    pos += 4;
                }
            }
            assertEquals(bytes.length, pos);
        }
    }

    @Test
    void float64FileHoldsF64LittleEndian() throws IOException {
        Path f = dir.resolve("d.safetensors");
        try (Network net = small(Precision.FLOAT64)) {
            ModelFile.save(net, f);
            SafeTensors.Contents c = SafeTensors.read(f);
            Tensor w = c.tensor("layers.0.weight");
            assertEquals(DType.F64, w.dtype());
            assertArrayEquals(new long[] {4, 3}, w.shape());
            assertArrayEquals(net.layer(0).weights(), w.toDoubles(), 0.0);
            assertEquals(net.layer(0).weights()[5], w.data().order(ByteOrder.LITTLE_ENDIAN).getDouble(40), 0.0);
            assertEquals("float64", c.metadata().get("precision"));
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void roundTripGivesIdenticalPredictionsOnAnotherBackendInstance(Precision p) throws IOException {
        Path f = dir.resolve("rt.safetensors");
        float[] x = {0.1f, -0.5f, 2f, 1f, 1f, 1f, -3f, 0f, 0.25f};
        float[] before = new float[6];
        float[] after = new float[6];
        try (Network net = small(p)) {
            ModelFile.save(net, f);
            net.predict(x, 3, before);
        }
        try (Backend other = Backends.open("cpu"); Network loaded = ModelFile.load(f, other)) {
            assertEquals(p, loaded.precision());
            assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, loaded.loss());
            assertArrayEquals(new int[] {3, 4, 2}, loaded.sizes());
            assertEquals(0.25, loaded.layer(0).dropout());
            assertTrue(loaded.layer(0).bias().isTrainable());
            assertTrue(loaded.layer(1).bias().isPresent() && !loaded.layer(1).bias().isTrainable());
            assertArrayEquals(new double[] {0.5, 0.5}, loaded.layer(1).biases(), 1e-7);
            loaded.predict(x, 3, after);
        }
        assertArrayEquals(before, after, 0f);
    }

    @Test
    void layersWithoutBiasAndRegressionOutputs() throws IOException {
        Path f = dir.resolve("reg.safetensors");
        try (Network net = Network.builder().input(2).dense(3, Activation.SIGMOID, Bias.none())
                .dense(1, Activation.IDENTITY).backend("cpu").build()) {
            ModelFile.save(net, f);
            ModelFile.SavedModel m = ModelFile.read(f);
            assertEquals(List.of("none", "trainable"), m.biasKinds());
            assertFalse(m.isClassifier());
            assertEquals(Loss.SQUARED_ERROR, m.loss());
            assertEquals(null, SafeTensors.read(f).tensor("layers.0.bias"));
            try (Network loaded = m.network("cpu")) {
                assertFalse(loaded.layer(0).bias().isPresent());
                assertArrayEquals(net.predict(new double[] {1, 2}), loaded.predict(new double[] {1, 2}), 0.0);
            }
        }
    }

    @Test
    void loadsIntoAnotherPrecision() throws IOException {
        Path f = dir.resolve("p.safetensors");
        try (Network net = small(Precision.FLOAT64)) {
            ModelFile.save(net, f);
        }
        try (Backend cpu = Backends.open("cpu");
             Network n32 = ModelFile.read(f).network(cpu, Precision.FLOAT32)) {
            assertEquals(Precision.FLOAT32, n32.precision());
        }
    }

    // ------------------------------------------------------------------ corrupt files

    private Path rewrite(Path f, Map<String, String> metaChanges, java.util.function.UnaryOperator<List<Tensor>> tensors)
            throws IOException {
        SafeTensors.Contents c = SafeTensors.read(f);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        metaChanges.forEach((k, v) -> {
            if (v == null) {
                meta.remove(k);
            } else {
                meta.put(k, v);
            }
        });
        Path out = dir.resolve("bad.safetensors");
        SafeTensors.write(out, meta, tensors.apply(new ArrayList<>(c.tensors())));
        return out;
    }

    private String error(Path f) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f, "cpu"));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e.getMessage().substring(f.toString().length() + 2);
    }

    private Path good() throws IOException {
        Path f = dir.resolve("good.safetensors");
        try (Network net = small(Precision.FLOAT32)) {
            ModelFile.save(net, f);
        }
        return f;
    }

    @Test
    void rejectsMissingTensor() throws IOException {
        Path f = rewrite(good(), Map.of(), t -> {
            t.removeIf(x -> x.name().equals("layers.1.weight"));
            return t;
        });
        assertEquals("missing tensor \"layers.1.weight\"", error(f));
    }

    @Test
    void rejectsWrongDtypeAndShape() throws IOException {
        Path f = rewrite(good(), Map.of("precision", "float64"), t -> t);
        assertEquals("tensor \"layers.0.weight\" is F32, but the model's precision needs F64", error(f));
        Path g = rewrite(good(), Map.of(), t -> {
            t.set(0, Tensor.ofFloats("layers.0.weight", new long[] {3, 4}, new float[12]));
            return t;
        });
        assertEquals("tensor \"layers.0.weight\" has shape [3, 4], expected [4, 3]", error(g));
    }

    @Test
    void rejectsExtraTensorsAndBadArchitecture() throws IOException {
        Path f = rewrite(good(), Map.of(), t -> {
            t.add(Tensor.ofFloats("layers.2.weight", new long[] {1}, new float[1]));
            return t;
        });
        assertTrue(error(f).startsWith("unexpected tensor \"layers.2.weight\""));
        assertEquals("no fcnn architecture in __metadata__ (missing \"format\": \"fcnn\"); was it saved by fcnn?",
                error(rewrite(good(), java.util.Collections.singletonMap("format", null), t -> t)));
        assertEquals("format_version 2 is not supported; this version of fcnn reads format_version 1",
                error(rewrite(good(), Map.of("format_version", "2"), t -> t)));
        assertEquals("activations \"tanh\" has 1 entries for 2 layers",
                error(rewrite(good(), Map.of("activations", "tanh"), t -> t)));
        assertEquals("sizes \"3,x,2\": 'x' is not a positive integer",
                error(rewrite(good(), Map.of("sizes", "3,x,2"), t -> t)));
        assertEquals("layer 0: unknown activation 'swish': expected one of sigmoid, tanh, relu, identity, softmax",
                error(rewrite(good(), Map.of("activations", "swish,softmax"), t -> t)));
        assertEquals("layer 1: bias kind 'sometimes' is not trainable, frozen or none",
                error(rewrite(good(), Map.of("biases", "trainable,sometimes"), t -> t)));
    }

    @Test
    void rejectsNonFiniteValues() throws IOException {
        Path f = rewrite(good(), Map.of(), t -> {
            float[] w = new float[12];
            w[5] = Float.NaN;
            t.set(0, Tensor.ofFloats("layers.0.weight", new long[] {4, 3}, w));
            return t;
        });
        assertEquals("tensor \"layers.0.weight\" element 5 is NaN", error(f));
    }

    @Test
    void rejectsTruncatedFile() throws IOException {
        byte[] bytes = Files.readAllBytes(good());
        for (int cut : new int[] {0, 5, 8, 40, bytes.length / 2, bytes.length - 1}) {
            Path f = Files.write(dir.resolve("cut" + cut), java.util.Arrays.copyOf(bytes, cut));
            String message = error(f);
            assertTrue(message.contains("truncated") || message.contains("larger than the file"), cut + ": " + message);
        }
    }

    @Test
    void savingOverAnExistingModelIsAtomicAndLeavesNoTemporaryFile() throws IOException {
        Path f = good();
        try (Network net = Network.builder().input(3).dense(2, Activation.SOFTMAX).backend("cpu").build()) {
            ModelFile.save(net, f);
        }
        assertArrayEquals(new int[] {3, 2}, ModelFile.read(f).sizes());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (Network net = small(Precision.FLOAT32)) {
                ModelFile.save(net, f, Map.of("sizes", "1,2"));
            }
        });
    }

    @Test
    void savedModelDescribesTheNetwork() throws IOException {
        ModelFile.SavedModel m = ModelFile.read(good());
        assertEquals("SavedModel(3 -> 4 tanh -> 2 softmax, softmax_cross_entropy, FLOAT32)", m.toString());
        assertTrue(m.isClassifier());
        assertEquals(2, m.outputSize());
        try (Network a = m.network("cpu"); Network b = m.network("cpu")) {
            assertNotSame(a.backend(), b.backend());
        }
    }

    /**
     * A file written by the reference implementation (Python {@code safetensors} 0.8.0, {@code save_file}), which
     * orders tensors differently and pads its header its own way, and has no "dropout" entry: loads, and computes
     * what the plain formula gives.
     */
    @Test
    void readsAFileWrittenByThePythonSafetensorsLibrary() throws IOException {
        Path f = dir.resolve("python-written.safetensors");
        try (var in = ModelFileTest.class.getResourceAsStream("python-written.safetensors")) {
            Files.copy(in, f);
        }
        ModelFile.SavedModel m = ModelFile.read(f);
        assertEquals("safetensors 0.8.0 (Python)", m.metadata().get("written_by"));
        double[][] w0 = {{0.15, 0.20}, {0.25, 0.30}, {-0.5, 1.0}};
        double[] b0 = {0.35, -0.1, 0.0};
        double[][] w1 = {{0.40, 0.45, -0.2}, {0.50, 0.55, 0.3}};
        double[] b1 = {0.60, 0.60};
        double[] x = {0.05, 0.10};
        double[] h = new double[3];
        for (int j = 0; j < 3; j++) {
            h[j] = 1 / (1 + Math.exp(-(w0[j][0] * x[0] + w0[j][1] * x[1] + b0[j])));
        }
        double[] expected = new double[2];
        for (int j = 0; j < 2; j++) {
            expected[j] = 1 / (1 + Math.exp(-(w1[j][0] * h[0] + w1[j][1] * h[1] + w1[j][2] * h[2] + b1[j])));
        }
        try (Network net = m.network("cpu")) {
            assertEquals(Precision.FLOAT64, net.precision());
            assertFalse(net.layer(1).bias().isTrainable());
            assertArrayEquals(expected, net.predict(x), 1e-15);
        }
    }
}
