// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fcnn.io.SafeTensors.DType;
import org.fcnn.io.SafeTensors.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static final float[] W = {0.15f, 0.20f, -0.25f, 3e-8f, 1e30f, -0f};
    private static final double[] B = {0.35, -0.60};

    private Path sample() throws IOException {
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, Map.of("k", "v"), List.of(
                Tensor.ofFloats("w", new long[] {2, 3}, W),
                Tensor.ofDoubles("b", new long[] {2}, B)));
        return f;
    }

    @Test
    void fileLayoutByteByByte() throws IOException {
        byte[] bytes = Files.readAllBytes(sample());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "header padded to 8 bytes");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]}}", header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        assertEquals(8 + n + 40, bytes.length);
        int data = 8 + (int) n;
        for (int i = 0; i < W.length; i++) {
            int bits = Float.floatToRawIntBits(W[i]);
            for (int k = 0; k < 4; k++) {
                assertEquals((byte) (bits >>> (8 * k)), bytes[data + 4 * i + k], "little-endian byte " + k + " of w[" + i + "]");
            }
        }
        for (int i = 0; i < B.length; i++) {
            assertEquals(Double.doubleToRawLongBits(B[i]), b.getLong(data + 24 + 8 * i));
        }
    }

    @Test
    void roundTrip() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(sample());
        assertEquals(Map.of("k", "v"), c.metadata());
        assertEquals(List.of("w", "b"), c.tensors().stream().map(Tensor::name).toList());
        assertArrayEquals(W, c.tensor("w").toFloats());
        assertArrayEquals(new long[] {2, 3}, c.tensor("w").shape());
        assertArrayEquals(B, c.tensor("b").toDoubles());
        assertEquals(DType.F64, c.tensor("b").dtype());
    }

    @Test
    void readsFilesWrittenWithOtherOrderAndNoMetadata() throws IOException {
        // Header order differs from data order, scalar and empty tensors, no __metadata__: all valid.
        String header = "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},"
                + "\"a\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[6,6]}}";
        Path f = raw(header, new byte[] {7, 0, 0, 0, 1, 2});
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(3, c.tensors().size());
        assertEquals(7, c.tensor("a").data().getInt(0));
        assertEquals(0, c.tensor("e").elementCount());
    }

    private Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(dir.resolve("raw.safetensors"), b.array());
    }

    private String error(Path f) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        return e.getMessage().substring(f.toString().length() + 2);
    }

    private static final String W_ENTRY = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void rejectsTooShortFile() throws IOException {
        assertEquals("truncated: 3 bytes, too short for the 8-byte header length of a safetensors file",
                error(Files.write(dir.resolve("s"), new byte[3])));
    }

    @Test
    void rejectsHeaderLengthLargerThanFile() throws IOException {
        byte[] bytes = Files.readAllBytes(sample());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertTrue(error(Files.write(dir.resolve("h"), bytes))
                .startsWith("header length 1099511627776 is larger than the file"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        assertTrue(error(Files.write(dir.resolve("h"), bytes)).startsWith("header length 18446744073709551615"));
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] bytes = Files.readAllBytes(sample());
        Path f = Files.write(dir.resolve("t"), Arrays.copyOf(bytes, bytes.length - 1));
        assertEquals("truncated: tensor \"b\" ends at byte 40 of the data section, but the file holds only 39 bytes "
                + "of data", error(f));
        // Cut inside the header.
        Path g = Files.write(dir.resolve("u"), Arrays.copyOf(bytes, 20));
        assertTrue(error(g).contains("is larger than the file (20 bytes)"));
    }

    @Test
    void rejectsBadJsonAndNonObjects() throws IOException {
        assertTrue(error(raw("{\"w\":{\"dtype\":\"F32\",}}", new byte[0])).startsWith("header is not valid JSON: "));
        assertEquals("header does not start with '{': not a safetensors file", error(raw("[1,2]", new byte[0])));
        byte[] latin1 = {'{', '"', (byte) 0xE9, '"', ':', '1', '}'};
        ByteBuffer b = ByteBuffer.allocate(8 + latin1.length).order(ByteOrder.LITTLE_ENDIAN).putLong(latin1.length).put(latin1);
        assertEquals("header is not valid UTF-8", error(Files.write(dir.resolve("l"), b.array())));
    }

    @Test
    void rejectsBadTensorEntries() throws IOException {
        assertEquals("tensor \"w\": unknown dtype \"F31\"; expected one of " + Arrays.toString(DType.values()),
                error(raw("{" + W_ENTRY.replace("F32", "F31") + "}", new byte[8])));
        assertEquals("tensor \"w\": shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8",
                error(raw("{" + W_ENTRY.replace("[2]", "[3]") + "}", new byte[8])));
        assertEquals("tensor \"w\": missing or non-array shape",
                error(raw("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8])));
        assertEquals("tensor \"w\": data_offsets must hold non-negative integers, got -1",
                error(raw("{" + W_ENTRY.replace("[0,8]", "[-1,8]") + "}", new byte[8])));
        assertEquals("tensor \"w\": data_offsets [8, 0] end before they begin",
                error(raw("{" + W_ENTRY.replace("[0,8]", "[8,0]") + "}", new byte[8])));
        assertEquals("tensor \"w\": unexpected key \"extra\"",
                error(raw("{" + W_ENTRY.replace("}", ",\"extra\":1}") + "}", new byte[8])));
        assertEquals("__metadata__ must map strings to strings, but \"n\" is 1",
                error(raw("{\"__metadata__\":{\"n\":1}," + W_ENTRY + "}", new byte[8])));
        assertTrue(error(raw("{" + W_ENTRY + "," + W_ENTRY + "}", new byte[8])).contains("duplicate key \"w\""));
    }

    @Test
    void rejectsOverlapsGapsAndUncoveredBytes() throws IOException {
        String v = "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}";
        assertEquals("tensor \"v\" at [4, 12) overlaps tensor \"w\", which ends at 8",
                error(raw("{" + W_ENTRY + "," + v + "}", new byte[12])));
        String gap = "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}";
        assertEquals("gap in the data section: 4 bytes before tensor \"v\" at 12, after \"w\"",
                error(raw("{" + W_ENTRY + "," + gap + "}", new byte[16])));
        assertEquals("4 bytes after the last tensor that no tensor covers", error(raw("{" + W_ENTRY + "}", new byte[12])));
    }

    @Test
    void atomicWriteLeavesNoTemporaryFile() throws IOException {
        Path f = sample();
        SafeTensors.write(f, Map.of(), List.of(Tensor.ofFloats("x", new long[] {1}, new float[] {1})));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
        assertEquals(1, SafeTensors.read(f).tensors().size());
    }

    @Test
    void failedWriteLeavesTargetUntouched() throws IOException {
        Path f = sample();
        byte[] before = Files.readAllBytes(f);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.writeAtomically(f, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("disk full")
                && e.getMessage().endsWith(f.getFileName() + " is unchanged"), e.getMessage());
        assertEquals("disk full", e.getCause().getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void writeToMissingDirectoryFails() {
        Path f = dir.resolve("no/such/dir/m.safetensors");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensors.write(f, Map.of(), List.of()));
    }

    @Test
    void tensorChecksItsSize() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("t", DType.F32, new long[] {2}, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("__metadata__", DType.U8, new long[] {1}, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("d"), Map.of(),
                List.of(Tensor.ofFloats("t", new long[] {1}, new float[1]), Tensor.ofFloats("t", new long[] {1}, new float[1]))));
    }

    @Test
    void aSaveRemovesStaleTemporaryFilesOfItsTargetOnly() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Path stale = Files.writeString(dir.resolve(".m.safetensors.1f2e3d4c5b6a7980.tmp"), "left by a killed save");
        Path fresh = Files.writeString(dir.resolve(".m.safetensors.0123456789abcdef.tmp"), "a save in progress");
        Path otherTarget = Files.writeString(dir.resolve(".n.safetensors.00ff.tmp"), "another file's");
        Path notOurs = Files.writeString(dir.resolve(".m.safetensors.notes.tmp"), "not hex");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - SafeTensors.STALE_TEMPORARY_MILLIS - 60_000);
        for (Path p : List.of(stale, otherTarget, notOurs)) {
            Files.setLastModifiedTime(p, old);
        }
        SafeTensors.write(file, Map.of(), List.of(Tensor.ofFloats("x", new long[] {2}, new float[] {1, 2})));
        assertTrue(Files.exists(file));
        assertTrue(Files.notExists(stale), "a stale temporary file of the target is removed");
        assertTrue(Files.exists(fresh), "a recent one may be another process's save in progress");
        assertTrue(Files.exists(otherTarget) && Files.exists(notOurs), "other files are left alone");
        assertTrue(SafeTensors.isTemporaryName(".m.safetensors.0123456789abcdef.tmp", ".m.safetensors."));
        assertTrue(!SafeTensors.isTemporaryName(".m.safetensors..tmp", ".m.safetensors."));
    }
}
