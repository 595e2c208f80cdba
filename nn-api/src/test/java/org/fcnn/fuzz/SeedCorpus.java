// SPDX-License-Identifier: Apache-2.0
package org.fcnn.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.fcnn.io.SafeTensors;
import org.fcnn.io.SafeTensors.Tensor;

/**
 * Writes the seed inputs of the fuzz tests into their inputs directories: small valid files (safetensors files
 * written by {@link SafeTensors#write}, with the metadata that {@code ModelFile.save} writes) and malformed ones
 * that reach each check of the readers (wrong magic, truncated, sizes that lie, huge claims). Findings of the
 * fuzzer ({@code crash-*}) are in the same directories and are left alone. Run from the repository root after
 * {@code mvn -pl nn-api test-compile}:
 * <pre>
 * java -cp nn-api/target/classes:nn-api/target/test-classes org.fcnn.fuzz.SeedCorpus nn-api/src/test/resources
 * </pre>
 */
public final class SeedCorpus {
    private final Path resources;

    private SeedCorpus(Path resources) {
        this.resources = resources;
    }

    public static void main(String[] args) throws IOException {
        SeedCorpus c = new SeedCorpus(Path.of(args.length > 0 ? args[0] : "nn-api/src/test/resources"));
        c.idx();
        c.idxDatasets();
        c.csv();
        c.safeTensors();
        c.json();
    }

    // ------------------------------------------------------------------ IDX

    private void idx() throws IOException {
        Path d = dir("org/fcnn/data/IdxFuzzTestInputs/idxReader");
        byte[] images = images();
        write(d, "valid-ubyte-images", images);
        write(d, "valid-ubyte-labels", labels());
        write(d, "valid-gzip-images", gzip(images));
        write(d, "valid-signed-byte", idx(0x09, new int[] {4}, new byte[] {-1, 0, 1, 127}));
        write(d, "valid-short", idx(0x0B, new int[] {2, 1}, new byte[] {1, 2, (byte) 0x80, 0}));
        write(d, "valid-int", idx(0x0C, new int[] {1, 1, 1}, new byte[] {0, 0, 1, 0}));
        ByteBuffer f = ByteBuffer.allocate(12).putFloat(0.5f).putFloat(-2e30f).putFloat(Float.NaN);
        write(d, "valid-float-with-nan", idx(0x0D, new int[] {3}, f.array()));
        write(d, "valid-double", idx(0x0E, new int[] {1, 2}, ByteBuffer.allocate(16).putDouble(1.25).putDouble(-0.0).array()));
        write(d, "wrong-magic", new byte[] {0, 1, 8, 1, 0, 0, 0, 1, 7});
        write(d, "unknown-type", idx(0x0A, new int[] {1}, new byte[] {7}));
        write(d, "zero-dimensions", new byte[] {0, 0, 8, 0});
        write(d, "seventeen-dimensions", idx(0x08, new int[17], new byte[0]));
        write(d, "zero-size-dimension", idx(0x08, new int[] {2, 0}, new byte[0]));
        write(d, "truncated-magic", new byte[] {0, 0, 8});
        write(d, "truncated-header", Arrays.copyOf(images, 9));
        write(d, "truncated-data", Arrays.copyOf(images, images.length - 1));
        write(d, "bytes-after-data", Arrays.copyOf(images, images.length + 3));
        write(d, "huge-dimensions", idx(0x0E, new int[] {0x7fffffff, 0x7fffffff, 0x7fffffff}, new byte[8]));
        write(d, "unsigned-dimension", idx(0x08, new int[] {0xffffffff}, new byte[8]));
        write(d, "claims-2GB-plain", idx(0x08, new int[] {0x7ffffff0}, new byte[8]));
        write(d, "claims-2GB-gzip", gzip(idx(0x08, new int[] {0x7ffffff0}, new byte[64])));
        write(d, "claims-1MB-gzip-holds-64B", gzip(idx(0x08, new int[] {1 << 20}, new byte[64])));
        write(d, "gzip-bytes-after-data", gzip(Arrays.copyOf(images, images.length + 1)));
        byte[] gz = gzip(images);
        write(d, "gzip-truncated", Arrays.copyOf(gz, gz.length - 6));
        byte[] corrupt = gz.clone();
        corrupt[12] ^= 0x55;
        write(d, "gzip-corrupt", corrupt);
        write(d, "gzip-magic-only", new byte[] {0x1f, (byte) 0x8b});
    }

    /** Three 2x2 unsigned-byte images; labels 2, 0, 1. */
    private static byte[] images() {
        byte[] px = new byte[12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 23);
        }
        return idx(0x08, new int[] {3, 2, 2}, px);
    }

    private static byte[] labels() {
        return idx(0x08, new int[] {3}, new byte[] {2, 0, 1});
    }

    /**
     * Inputs of {@code IdxFuzzTest.idxDatasets}: the labels file, the images file, then what its
     * {@code FuzzedDataProvider} reads from the end (last byte first): classes, gzip the labels, gzip the images,
     * the length of the labels file (two bytes, high first).
     */
    private void idxDatasets() throws IOException {
        Path d = dir("org/fcnn/data/IdxFuzzTestInputs/idxDatasets");
        write(d, "valid-pair", datasets(labels(), images(), 0, false, false));
        write(d, "valid-pair-4-classes-gzip", datasets(labels(), images(), 4, true, true));
        write(d, "valid-float-images", datasets(idx(0x08, new int[] {1}, new byte[] {1}),
                idx(0x0D, new int[] {1, 2}, ByteBuffer.allocate(8).putFloat(0.25f).putFloat(3f).array()), 0, false, false));
        write(d, "nan-float-images", datasets(idx(0x08, new int[] {1}, new byte[] {1}),
                idx(0x0D, new int[] {1, 2}, ByteBuffer.allocate(8).putFloat(Float.NaN).putFloat(3f).array()), 0, false, false));
        write(d, "counts-disagree", datasets(idx(0x08, new int[] {2}, new byte[] {0, 1}), images(), 0, false, false));
        write(d, "label-out-of-range", datasets(labels(), images(), 2, false, false));
        write(d, "negative-label", datasets(idx(0x09, new int[] {3}, new byte[] {0, -1, 1}), images(), 0, false, false));
        write(d, "huge-int-label", datasets(idx(0x0C, new int[] {1}, new byte[] {0x7f, -1, -1, -1}),
                idx(0x08, new int[] {1, 1}, new byte[] {9}), 0, false, false));
        write(d, "large-int-label", datasets(idx(0x0C, new int[] {2}, new byte[] {0, 0, 0, 0, 0x10, 0, 0, 0}),
                idx(0x08, new int[] {2, 1}, new byte[] {9, 8}), 0, false, false));
        write(d, "float-labels", datasets(idx(0x0D, new int[] {1}, new byte[4]), idx(0x08, new int[] {1, 1}, new byte[1]),
                0, false, false));
        write(d, "one-dimensional-images", datasets(labels(), idx(0x08, new int[] {3}, new byte[3]), 0, false, false));
        write(d, "two-dimensional-labels", datasets(idx(0x08, new int[] {3, 1}, new byte[3]), images(), 0, false, false));
    }

    private static byte[] datasets(byte[] labels, byte[] images, int classes, boolean gzipLabels, boolean gzipImages) {
        ByteBuffer b = ByteBuffer.allocate(labels.length + images.length + 5);
        b.put(labels).put(images);
        b.put((byte) labels.length).put((byte) (labels.length >>> 8));
        b.put((byte) (gzipImages ? 1 : 0)).put((byte) (gzipLabels ? 1 : 0)).put((byte) classes);
        return b.array();
    }

    // ------------------------------------------------------------------ CSV

    /**
     * Inputs of {@code CsvFuzzTest.csvReader}: the text, then what its {@code FuzzedDataProvider} reads from the
     * end (last byte first): mode (0 label column, 1-3 target columns, 4 parseRow), header (0 detect, 1 yes, 2
     * no), delimiter index ({@code , ; tab | space}), classes.
     */
    private void csv() throws IOException {
        Path d = dir("org/fcnn/data/CsvFuzzTestInputs/csvReader");
        write(d, "valid-labels-header", csv("x1,x2,label\n0.5,1,2\n-1e-1, 3 ,0\n\n# comment\n2,.5,1\n", 0, 0, 0, 0));
        write(d, "valid-labels-3-classes", csv("1,2,0\n3,4,2\n", 0, 2, 0, 3));
        write(d, "valid-targets", csv("a;b;t1;t2\n1;2;0.25;-4\n5;6;7;8\n", 2, 1, 1, 0));
        write(d, "valid-quoted-tabs", csv("\"1\"\t\"2.5e3\"\t1\n3\t4\t0\n", 1, 0, 2, 0));
        write(d, "valid-parse-rows", csv("1|2|3\n# c\n\n4|5|6\n", 4, 0, 3, 2));
        write(d, "valid-spaces", csv("1 2 0\n3 4 1\n", 0, 0, 4, 0));
        write(d, "not-a-number", csv("1,abc,0\n", 0, 2, 0, 0));
        write(d, "nan-and-infinity", csv("NaN,1,0\nInfinity,2,1\n", 0, 2, 0, 0));
        write(d, "out-of-float-range", csv("1e39,1,0\n", 0, 2, 0, 0));
        write(d, "empty-cell", csv("1,,0\n", 0, 2, 0, 0));
        write(d, "ragged", csv("1,2,0\n1,2\n", 0, 2, 0, 0));
        write(d, "label-not-integer", csv("1,2,0.5\n", 0, 2, 0, 0));
        write(d, "label-negative", csv("1,2,-1\n", 0, 2, 0, 0));
        write(d, "label-huge", csv("1,2,16777216\n", 0, 2, 0, 0));
        write(d, "label-large", csv("1,2,0\n1,2,1e6\n", 0, 2, 0, 0));
        write(d, "header-only", csv("a,b,c\n", 0, 0, 0, 0));
        write(d, "one-column", csv("1\n2\n", 0, 2, 0, 0));
        write(d, "empty", csv("", 0, 0, 0, 0));
        write(d, "long-digits", csv("1" + "1".repeat(2000) + "x,1,0\n", 0, 2, 0, 0));
        byte[] latin1 = "caf\u00e9,1,0\n".getBytes(StandardCharsets.ISO_8859_1);
        write(d, "not-utf8", csv(latin1, 0, 0, 0, 0));
    }

    private static byte[] csv(String text, int mode, int header, int delimiter, int classes) {
        return csv(text.getBytes(StandardCharsets.UTF_8), mode, header, delimiter, classes);
    }

    private static byte[] csv(byte[] text, int mode, int header, int delimiter, int classes) {
        byte[] out = Arrays.copyOf(text, text.length + 4);
        out[text.length] = (byte) classes;
        out[text.length + 1] = (byte) delimiter;
        out[text.length + 2] = (byte) header;
        out[text.length + 3] = (byte) mode;
        return out;
    }

    // ------------------------------------------------------------------ safetensors, model files

    private void safeTensors() throws IOException {
        Path st = dir("org/fcnn/io/SafeTensorsFuzzTestInputs/safeTensors");
        Path mf = dir("org/fcnn/io/SafeTensorsFuzzTestInputs/modelFile");
        byte[] model = written(modelMetadata("3,2,2", "relu,softmax", "trainable,none", "softmax_cross_entropy",
                "float32"), List.of(
                Tensor.ofFloats("layers.0.weight", new long[] {2, 3}, new float[] {0.1f, -0.2f, 0.3f, 0, 1, -1}),
                Tensor.ofFloats("layers.0.bias", new long[] {2}, new float[] {0.5f, -0.5f}),
                Tensor.ofFloats("layers.1.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4})));
        byte[] model64 = written(modelMetadata("1,1", "identity", "frozen", "squared_error", "float64"), List.of(
                Tensor.ofDoubles("layers.0.weight", new long[] {1, 1}, new double[] {0.25}),
                Tensor.ofDoubles("layers.0.bias", new long[] {1}, new double[] {-1})));
        byte[] plain = written(Map.of("k", "v"), List.of(
                Tensor.of("u8", SafeTensors.DType.U8, new long[] {3}, new byte[] {1, 2, 3}),
                Tensor.of("scalar", SafeTensors.DType.I32, new long[] {}, new byte[4]),
                Tensor.of("empty", SafeTensors.DType.BF16, new long[] {0, 5}, new byte[0])));
        for (Path d : List.of(st, mf)) {
            write(d, "valid-model-float32", model);
            write(d, "valid-model-float64", model64);
            write(d, "valid-plain-tensors", plain);
            write(d, "truncated-length", new byte[] {2, 0, 0});
            write(d, "truncated-data", Arrays.copyOf(model, model.length - 1));
            write(d, "bytes-after-data", Arrays.copyOf(model, model.length + 4));
            write(d, "header-length-huge", header(Long.MAX_VALUE, "{}"));
            write(d, "header-length-negative", header(-8, "{}"));
            write(d, "header-over-limit", withLength(header(0, "{}"), 100_000_008));
            write(d, "header-not-utf8", header(4, "{\"\u00e9}", StandardCharsets.ISO_8859_1));
            write(d, "header-not-object", header(2, "[]"));
            write(d, "header-trailing-comma", header(0, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},}X"));
            write(d, "huge-shape", header(0, "{\"t\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                    + "\"data_offsets\":[0,0]}}"));
            write(d, "offsets-claim-2GB", header(0, "{\"t\":{\"dtype\":\"U8\",\"shape\":[2147483648],"
                    + "\"data_offsets\":[0,2147483648]}}"));
            write(d, "offsets-overlap", header(0, "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                    + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3));
            write(d, "offsets-gap", header(0, "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2));
            write(d, "unknown-dtype", header(0, "{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16));
            write(d, "metadata-not-strings", header(0, "{\"__metadata__\":{\"k\":1}}"));
            write(d, "big-exponent", header(0, "{\"__metadata__\":{},\"x\":{\"dtype\":\"U8\",\"shape\":[1e2147483648],"
                    + "\"data_offsets\":[0,1]}}", 1));
            write(d, "integer-5000-digits", header(0, "{\"x\":{\"dtype\":\"U8\",\"shape\":[" + "1".repeat(5000) + "],"
                    + "\"data_offsets\":[0,1]}}", 1));
        }
        write(mf, "model-wrong-format", written(Map.of("format", "torch"), List.of()));
        write(mf, "model-sizes-not-numbers", written(modelMetadata("3,x", "relu", "none", "squared_error", "float32"),
                List.of(Tensor.ofFloats("layers.0.weight", new long[] {1, 3}, new float[3]))));
        write(mf, "model-shape-mismatch", written(modelMetadata("3,2", "identity", "none", "squared_error", "float32"),
                List.of(Tensor.ofFloats("layers.0.weight", new long[] {3, 2}, new float[6]))));
        write(mf, "model-nan-weight", written(modelMetadata("1,1", "identity", "none", "squared_error", "float32"),
                List.of(Tensor.ofFloats("layers.0.weight", new long[] {1, 1}, new float[] {Float.NaN}))));
        write(mf, "model-dtype-mismatch", written(modelMetadata("1,1", "identity", "none", "squared_error", "float64"),
                List.of(Tensor.ofFloats("layers.0.weight", new long[] {1, 1}, new float[1]))));
        write(mf, "model-softmax-hidden", written(modelMetadata("1,1,1", "softmax,softmax", "none,none",
                "squared_error", "float32"), List.of(Tensor.ofFloats("layers.0.weight", new long[] {1, 1}, new float[1]),
                Tensor.ofFloats("layers.1.weight", new long[] {1, 1}, new float[1]))));
    }

    /** The architecture entries that {@code ModelFile.save} writes. */
    private static Map<String, String> modelMetadata(String sizes, String activations, String biases, String loss,
                                                     String precision) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "fcnn");
        m.put("format_version", "1");
        m.put("sizes", sizes);
        m.put("activations", activations);
        m.put("biases", biases);
        m.put("dropout", String.join(",", Arrays.stream(activations.split(",")).map(a -> "0").toList()));
        m.put("loss", loss);
        m.put("precision", precision);
        return m;
    }

    private static byte[] written(Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        Path tmp = Files.createTempFile("seed", ".safetensors");
        try {
            SafeTensors.write(tmp, metadata, tensors);
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A safetensors file of {@code json} and {@code dataBytes} zero bytes; a length of 0 means the real one. */
    private static byte[] header(long length, String json, int dataBytes) {
        return header(length, json, StandardCharsets.UTF_8, dataBytes);
    }

    private static byte[] header(long length, String json) {
        return header(length, json, StandardCharsets.UTF_8, 0);
    }

    private static byte[] header(long length, String json, java.nio.charset.Charset cs) {
        return header(length, json, cs, 0);
    }

    private static byte[] header(long length, String json, java.nio.charset.Charset cs, int dataBytes) {
        byte[] h = json.getBytes(cs);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(length == 0 ? h.length : length).put(h).array();
    }

    private static byte[] withLength(byte[] file, long length) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
        return file;
    }

    // ------------------------------------------------------------------ JSON

    private void json() throws IOException {
        Path d = dir("org/fcnn/io/SafeTensorsFuzzTestInputs/json");
        write(d, "valid-header", ("{\"__metadata__\":{\"format\":\"fcnn\",\"n\\u00e9\":\"\\ud83d\\ude00\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}").getBytes(StandardCharsets.UTF_8));
        write(d, "valid-values", "[true,false,null,-0,1.5e-3,12345678901234567890123,\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\"]"
                .getBytes(StandardCharsets.UTF_8));
        write(d, "deep", ("[".repeat(33) + "]".repeat(33)).getBytes(StandardCharsets.UTF_8));
        write(d, "duplicate-key", "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8));
        write(d, "leading-zero", "[01]".getBytes(StandardCharsets.UTF_8));
        write(d, "lone-surrogate-escape", "\"\\ud800\"".getBytes(StandardCharsets.UTF_8));
        write(d, "control-character", "\"a\u0001\"".getBytes(StandardCharsets.UTF_8));
        write(d, "exponent-overflow", "[1e2147483648]".getBytes(StandardCharsets.UTF_8));
        write(d, "exponent-underflow", "[1.5e-2147483649]".getBytes(StandardCharsets.UTF_8));
        write(d, "truncated", "{\"a\":[1,".getBytes(StandardCharsets.UTF_8));
        write(d, "integer-5000-digits", ("[" + "9".repeat(5000) + "]").getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ helpers

    private Path dir(String relative) throws IOException {
        return Files.createDirectories(resources.resolve(relative));
    }

    private static void write(Path dir, String name, byte[] content) throws IOException {
        Files.write(dir.resolve(name), content);
    }

    private static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
