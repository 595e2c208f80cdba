// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import static org.fcnn.onnx.TestModels.FLOAT;
import static org.fcnn.onnx.TestModels.ints;
import static org.fcnn.onnx.TestModels.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.io.ModelFile;
import org.fcnn.io.ModelFileException;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.fcnn.spi.Backend;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not valid ONNX models: every one is an {@link OnnxFormatException} (or, for garbage that
 * happens to parse, another {@link ModelFileException}) with a message naming the file, never an
 * {@code OutOfMemoryError}, a read past the end or another exception.
 */
class MalformedOnnxTest {
    @TempDir
    Path dir;

    private byte[] exported;

    @BeforeEach
    void export() {
        try (Network net = Fixtures.randomNetwork(new int[] {3, 4, 2}, Activation.TANH, Activation.SOFTMAX,
                Precision.FLOAT32, 8)) {
            exported = OnnxExport.toBytes(net, java.util.Map.of("class_names", "a,b"));
        }
    }

    private Path file(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("m.onnx"), bytes);
    }

    /** Every strict prefix of an exported file: a truncated file, whether cut inside a field or between two. */
    @Test
    void everyTruncationOfAnExportedFileIsRefused() throws IOException {
        OnnxImport.read(file(exported)); // the whole file is fine
        for (int n = 0; n < exported.length; n++) {
            Path f = file(Arrays.copyOf(exported, n));
            OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(f),
                    "prefix of " + n + " of " + exported.length + " bytes");
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        }
        Path half = file(Arrays.copyOf(exported, exported.length / 2));
        String message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(half)).getMessage();
        assertTrue(message.contains("not a valid ONNX model (truncated or corrupt protocol buffer"), message);
        Path noVersion = file(Arrays.copyOf(exported, exported.length - 3));
        message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(noVersion)).getMessage();
        assertTrue(message.contains("truncated"), message);
    }

    @Test
    void garbageIsRefused() throws IOException {
        SplittableRandom r = new SplittableRandom(99);
        int parsedAsOnnx = 0;
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[1 + r.nextInt(2000)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = (byte) r.nextInt(256);
            }
            Path f = file(junk);
            ModelFileException e = assertThrows(ModelFileException.class, () -> OnnxImport.read(f), "case " + i);
            assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
            parsedAsOnnx += e instanceof OnnxFormatException ? 0 : 1;
        }
        assertEquals(0, parsedAsOnnx, "random bytes are never a valid model with an unsupported graph");
        assertThrows(OnnxFormatException.class, () -> OnnxImport.read(file(new byte[0])));
        assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxImport.read(file(new byte[0]))).getMessage()
                .contains("empty file"));
    }

    /** A safetensors model given to the ONNX reader: refused, and the format check tells them apart. */
    @Test
    void aSafetensorsFileIsNotOnnx() throws IOException {
        Path st = dir.resolve("m.safetensors");
        try (Network net = Fixtures.randomNetwork(new int[] {3, 4, 2}, Activation.TANH, Activation.SOFTMAX,
                Precision.FLOAT32, 8)) {
            ModelFile.save(net, st);
        }
        assertThrows(OnnxFormatException.class, () -> OnnxImport.read(st));
        assertTrue(OnnxImport.looksLikeOnnx(exported));
        assertFalse(OnnxImport.looksLikeOnnx(new byte[0]));
        assertFalse(OnnxImport.looksLikeOnnx("{\"a\": 1}".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertFalse(OnnxImport.looksLikeOnnx(new byte[] {0x00, 0x01}), "field 0 does not exist");
        assertFalse(OnnxImport.looksLikeOnnx(new byte[] {0x0a, 0x01}), "ir_version is a varint, not bytes");
        assertTrue(OnnxImport.looksLikeOnnx(new byte[] {0x72, 0x05}), "metadata_props (14) first");
        assertTrue(OnnxImport.looksLikeOnnx(new byte[] {(byte) 0xa2, 0x01}), "training_info (20), a two-byte tag");
    }

    /** Every single-byte change of an exported file: refused with a ModelFileException, or a usable model. */
    @Test
    void corruptedBytesNeverEscapeAsOtherExceptions() throws IOException {
        int refused = 0;
        int usable = 0;
        try (Backend cpu = Backends.open("cpu")) {
            for (int i = 0; i < exported.length; i++) {
                byte[] bad = exported.clone();
                bad[i] ^= (byte) 0x5a;
                Path f = file(bad);
                OnnxModel m;
                try {
                    m = OnnxImport.read(f);
                } catch (ModelFileException e) {
                    assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
                    refused++;
                    continue;
                }
                try (Network net = m.network(cpu)) {   // what was accepted builds a network
                    assertEquals(m.outputSize(), net.predict(new double[m.inputSize()]).length);
                }
                usable++;
            }
        }
        System.out.printf("single-byte corruptions of a %d-byte model: %d refused, %d still a valid model%n",
                exported.length, refused, usable);
        assertEquals(exported.length, refused + usable);
        assertTrue(refused > exported.length / 4, refused + " of " + exported.length + " corruptions detected");
    }

    @Test
    void aLengthPastTheEndIsTruncationNotAnAllocation() throws IOException {
        // Field 7 (graph), length-delimited, claiming 2,147,483,640 bytes, in a 9-byte file.
        byte[] claim = {0x08, 0x07, 0x3a, (byte) 0xf8, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x00};
        Path f = file(claim);
        String message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(f)).getMessage();
        assertTrue(message.contains("truncated or corrupt protocol buffer"), message);
    }

    /** A tensor claiming huge dims with a few bytes of data is refused before anything is allocated. */
    @Test
    void tensorsWhoseDimsDoNotMatchTheirDataAreRefused() {
        tensorRefused(TestModels.shaped("W", FLOAT, new long[] {20_000, 50_000})
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[16])).build(),
                "tensor 'W': dims [20000, 50000] of FLOAT (1) need 4000000000 bytes of raw_data, but it holds 16");
        tensorRefused(TestModels.shaped("W", FLOAT, new long[] {100_000, 100_000})
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[16])).build(),
                "tensor 'W': dims [100000, 100000] hold 10000000000 elements, more than one array holds");
        tensorRefused(TestModels.shaped("W", FLOAT, new long[] {1L << 40, 1L << 40})
                        .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[16])).build(),
                "tensor 'W': dims [1099511627776, 1099511627776] are negative or hold more elements than a long counts");
        tensorRefused(TestModels.shaped("W", FLOAT, new long[] {-2, 3}).build(), "dims [-2, 3] are negative");
        tensorRefused(TestModels.shaped("W", FLOAT, new long[] {40_000, 25_000}).addFloatData(1).addFloatData(2)
                .build(), "dims [40000, 25000] need 1000000000 values, but float_data holds 2");
        tensorRefused(TestModels.typed("W", FLOAT, new long[] {2, 3}, 1, 2, 3, 4, 5, Double.NaN),
                "tensor 'W' element 5 is NaN");
        tensorRefused(TestModels.typed("W", FLOAT, new long[] {2, 3}, 1, 2, 3, 4, 5, 6).toBuilder()
                .addDoubleData(1).build(), "holds values in a field of another type (double_data)");
    }

    private void tensorRefused(TensorProto w, String expected) {
        GraphProto.Builder g = TestModels.graph(FLOAT, 3, 2).addInitializer(w)
                .addNode(node("g", "Gemm", List.of("x", "W"), "y", ints("transB", 1)));
        Path f = TestModels.write(dir, "t.onnx", TestModels.model(g, 13));
        String message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(f)).getMessage();
        assertTrue(message.contains(expected), message);
    }

    @Test
    void filesAboveTheLimitAreNotRead() throws IOException {
        Path f = file(exported);
        String message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(f, 100)).getMessage();
        assertTrue(message.contains("is " + exported.length + " bytes, more than the limit of 100 bytes"), message);
        assertEquals(2, OnnxImport.read(f, exported.length).outputSize());
        assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(f, 0));
        assertThrows(IllegalArgumentException.class, () -> OnnxImport.read(f, 1L << 31));
    }

    /** The metadata of a file fcnn wrote must agree with its graph. */
    @Test
    void editedFcnnMetadataIsRefused() throws IOException {
        var model = org.fcnn.onnx.proto.OnnxProtos.ModelProto.parseFrom(exported).toBuilder();
        int sizes = -1;
        for (int i = 0; i < model.getMetadataPropsCount(); i++) {
            if (model.getMetadataProps(i).getKey().equals("sizes")) {
                sizes = i;
            }
        }
        model.setMetadataProps(sizes, model.getMetadataProps(sizes).toBuilder().setValue("3,5,2"));
        Path f = file(model.build().toByteArray());
        String message = assertThrows(OnnxFormatException.class, () -> OnnxImport.read(f)).getMessage();
        assertTrue(message.contains("metadata sizes '3,5,2' disagree with the graph's layers 3,4,2"), message);
    }
}
