// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes files in the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length {@code N}; {@code N} bytes of UTF-8 JSON, an object
 * that maps each tensor's name to {@code {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]}}
 * and may hold {@code "__metadata__"}, a map of strings to strings; then the data section, every tensor's
 * elements little-endian and row-major, at {@code [begin, end)} relative to the start of the data section.
 * The tensors must cover the data section exactly, without gaps or overlaps.
 *
 * <p>{@link #read} validates the whole header (size, UTF-8, JSON, dtypes, shapes, offsets) against the file
 * length before reading any tensor data, and throws a {@link ModelFileException} saying what is wrong.
 * {@link #write} writes tensors in the order given, with no gaps, pads the header with spaces to a multiple of
 * 8 bytes as the reference implementation does, and replaces the target atomically.
 */
public final class SafeTensors {
    /** The largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000;
    /** The key of the metadata map in the header. */
    public static final String METADATA_KEY = "__metadata__";

    private SafeTensors() {
    }

    /** The element types of the format, with their sizes in bytes. */
    public enum DType {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
        I64(8), U64(8), F64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        static DType parse(String name) {
            for (DType d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** One named tensor: its element type, shape and data (little-endian bytes, row-major). Immutable. */
    public static final class Tensor {
        private final String name;
        private final DType dtype;
        private final long[] shape;
        private final byte[] data;

        private Tensor(String name, DType dtype, long[] shape, byte[] data) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.data = data;
        }

        /**
         * A tensor of {@code dtype} from raw little-endian bytes (copied).
         *
         * @throws IllegalArgumentException if the byte count does not match the shape
         */
        public static Tensor of(String name, DType dtype, long[] shape, byte[] littleEndianData) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            if (name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            long count = elementCount(shape);
            if (count < 0 || count * dtype.bytes() != littleEndianData.length) {
                throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " of "
                        + dtype + " needs " + (count < 0 ? "too many" : String.valueOf(count * dtype.bytes()))
                        + " bytes, got " + littleEndianData.length);
            }
            return new Tensor(name, dtype, shape.clone(), littleEndianData.clone());
        }

        /** An {@code F32} tensor of {@code values} (row-major) with {@code shape}. */
        public static Tensor ofFloats(String name, long[] shape, float[] values) {
            ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return of(name, DType.F32, shape, b.array());
        }

        /** An {@code F64} tensor of {@code values} (row-major) with {@code shape}. */
        public static Tensor ofDoubles(String name, long[] shape, double[] values) {
            ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(values);
            return of(name, DType.F64, shape, b.array());
        }

        public String name() {
            return name;
        }

        public DType dtype() {
            return dtype;
        }

        /** A copy of the shape; {@code []} for a scalar. */
        public long[] shape() {
            return shape.clone();
        }

        /** The number of elements (1 for a scalar). */
        public long elementCount() {
            return elementCount(shape);
        }

        /** A read-only little-endian view of the data. */
        public ByteBuffer data() {
            return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The elements of an {@code F32} or {@code F64} tensor as doubles. */
        public double[] toDoubles() {
            ByteBuffer b = data();
            double[] out = new double[(int) elementCount()];
            if (dtype == DType.F64) {
                b.asDoubleBuffer().get(out);
            } else if (dtype == DType.F32) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = b.getFloat(i * 4);
                }
            } else {
                throw new IllegalStateException("tensor " + name + " is " + dtype + ", not F32 or F64");
            }
            return out;
        }

        /** The elements of an {@code F32} tensor as floats. */
        public float[] toFloats() {
            if (dtype != DType.F32) {
                throw new IllegalStateException("tensor " + name + " is " + dtype + ", not F32");
            }
            float[] out = new float[(int) elementCount()];
            data().asFloatBuffer().get(out);
            return out;
        }

        /** The product of {@code shape}, or -1 if a dimension is negative or the product overflows a long. */
        public static long elementCount(long[] shape) {
            long n = 1;
            for (long d : shape) {
                if (d < 0) {
                    return -1;
                }
                if (d != 0 && n > Long.MAX_VALUE / d) {
                    return -1;
                }
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape);
        }
    }

    /** A file's metadata and tensors, in the order of the header. */
    public record Contents(Map<String, String> metadata, List<Tensor> tensors) {
        public Contents {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            tensors = List.copyOf(tensors);
        }

        /** The tensor called {@code name}, or {@code null}. */
        public Tensor tensor(String name) {
            for (Tensor t : tensors) {
                if (t.name().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    // ------------------------------------------------------------------ reading

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /**
     * Reads a whole safetensors file.
     *
     * @throws ModelFileException if the file is truncated, its header is too large, not UTF-8, not JSON or not a
     *                            valid safetensors header, or its offsets do not tile the data section
     * @throws IOException        if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelFileException(file, "truncated: " + size + " bytes, too short for the 8-byte header "
                        + "length of a safetensors file");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > size - 8) {
                throw new ModelFileException(file, "header length " + Long.toUnsignedString(n) + " is larger than "
                        + "the file (" + size + " bytes): truncated, or not a safetensors file");
            }
            if (n > MAX_HEADER_BYTES) {
                throw new ModelFileException(file, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES
                        + " bytes");
            }
            if (n < 2) {
                throw new ModelFileException(file, "header length " + n + " is too small for a JSON object");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8, file);
            String header;
            try {
                header = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBuf.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new ModelFileException(file, "header is not valid UTF-8", e);
            }
            if (header.charAt(0) != '{') {
                throw new ModelFileException(file, "header does not start with '{': not a safetensors file");
            }
            Object json;
            try {
                json = Json.parse(header);
            } catch (Json.JsonException e) {
                throw new ModelFileException(file, "header is not valid JSON: " + e.getMessage(), e);
            }
            if (!(json instanceof Map)) {
                throw new ModelFileException(file, "header is not a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) json).entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA_KEY)) {
                    metadata = metadata(file, e.getValue());
                } else {
                    entries.add(entry(file, name, e.getValue()));
                }
            }
            long dataSize = size - 8 - n;
            checkOffsets(file, entries, dataSize);
            List<Tensor> tensors = new ArrayList<>(entries.size());
            long dataStart = 8 + n;
            for (Entry en : entries) {
                long bytes = en.end - en.begin;
                if (bytes > Integer.MAX_VALUE - 8) {
                    throw new ModelFileException(file, "tensor " + en.name + " has " + bytes + " bytes, more than "
                            + "this reader holds in one array");
                }
                ByteBuffer data = ByteBuffer.allocate((int) bytes);
                readFully(ch, data, dataStart + en.begin, file);
                tensors.add(new Tensor(en.name, en.dtype, en.shape, data.array()));
            }
            return new Contents(metadata, tensors);
        }
    }

    private static Map<String, String> metadata(Path file, Object value) throws ModelFileException {
        if (!(value instanceof Map)) {
            throw new ModelFileException(file, METADATA_KEY + " must be an object mapping strings to strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new ModelFileException(file, METADATA_KEY + " must map strings to strings, but \"" + e.getKey()
                        + "\" is " + e.getValue());
            }
            m.put((String) e.getKey(), (String) e.getValue());
        }
        return m;
    }

    private static Entry entry(Path file, String name, Object value) throws ModelFileException {
        String what = "tensor \"" + name + "\"";
        if (!(value instanceof Map)) {
            throw new ModelFileException(file, what + ": expected an object with dtype, shape and data_offsets");
        }
        Map<?, ?> m = (Map<?, ?>) value;
        for (Object key : m.keySet()) {
            if (!Set.of("dtype", "shape", "data_offsets").contains(key)) {
                throw new ModelFileException(file, what + ": unexpected key \"" + key + "\"");
            }
        }
        Object d = m.get("dtype");
        if (!(d instanceof String)) {
            throw new ModelFileException(file, what + ": missing or non-string dtype");
        }
        DType dtype = DType.parse((String) d);
        if (dtype == null) {
            throw new ModelFileException(file, what + ": unknown dtype \"" + d + "\"; expected one of "
                    + Arrays.toString(DType.values()));
        }
        long[] shape = longs(file, what, "shape", m.get("shape"), -1);
        long[] offsets = longs(file, what, "data_offsets", m.get("data_offsets"), 2);
        if (offsets[1] < offsets[0]) {
            throw new ModelFileException(file, what + ": data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] end before they begin");
        }
        long count = Tensor.elementCount(shape);
        if (count < 0 || count > Long.MAX_VALUE / dtype.bytes()) {
            throw new ModelFileException(file, what + ": shape " + Arrays.toString(shape) + " is too large");
        }
        long bytes = count * dtype.bytes();
        if (bytes != offsets[1] - offsets[0]) {
            throw new ModelFileException(file, what + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + bytes + " bytes, but data_offsets [" + offsets[0] + ", " + offsets[1] + "] hold "
                    + (offsets[1] - offsets[0]));
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(Path file, String what, String key, Object value, int length) throws ModelFileException {
        if (!(value instanceof List)) {
            throw new ModelFileException(file, what + ": missing or non-array " + key);
        }
        List<?> list = (List<?>) value;
        if (length >= 0 && list.size() != length) {
            throw new ModelFileException(file, what + ": " + key + " must have " + length + " elements, got " + list.size());
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Long) || (Long) v < 0) {
                throw new ModelFileException(file, what + ": " + key + " must hold non-negative integers, got " + v);
            }
            out[i] = (Long) v;
        }
        return out;
    }

    /** The tensors, sorted by offset, must tile {@code [0, dataSize)} exactly. */
    private static void checkOffsets(Path file, List<Entry> entries, long dataSize) throws ModelFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw new ModelFileException(file, "tensor \"" + e.name + "\" at [" + e.begin + ", " + e.end
                        + ") overlaps tensor \"" + previous + "\", which ends at " + expected);
            }
            if (e.begin > expected) {
                throw new ModelFileException(file, "gap in the data section: " + (e.begin - expected) + " bytes before "
                        + "tensor \"" + e.name + "\" at " + e.begin + (previous == null ? "" : ", after \"" + previous + "\""));
            }
            expected = e.end;
            previous = e.name;
        }
        if (expected > dataSize) {
            throw new ModelFileException(file, "truncated: tensor \"" + previous + "\" ends at byte " + expected
                    + " of the data section, but the file holds only " + dataSize + " bytes of data");
        }
        if (expected < dataSize) {
            throw new ModelFileException(file, (dataSize - expected) + " bytes after the last tensor that no tensor "
                    + "covers");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new ModelFileException(file, "truncated: the file ended at byte " + pos);
            }
            pos += n;
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code tensors} in the given order, with {@code metadata} (may be empty), to {@code file}
     * atomically: the data go to a temporary file in the same directory, which is forced to disk and then moved
     * over {@code file}. On failure the temporary file is removed and {@code file} is untouched.
     *
     * @throws IllegalArgumentException if two tensors share a name
     */
    public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(tensors, "tensors");
        Set<String> names = new HashSet<>();
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append(Json.quote(METADATA_KEY)).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                json.append(first ? "" : ",").append(Json.quote(Objects.requireNonNull(e.getKey(), "metadata key")))
                        .append(':').append(Json.quote(Objects.requireNonNull(e.getValue(), "metadata value")));
                first = false;
            }
            json.append('}');
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (!names.add(t.name)) {
                throw new IllegalArgumentException("two tensors are called " + t.name);
            }
            json.append(json.length() > 1 ? "," : "").append(Json.quote(t.name)).append(":{\"dtype\":\"")
                    .append(t.dtype.name()).append("\",\"shape\":[");
            for (int i = 0; i < t.shape.length; i++) {
                json.append(i == 0 ? "" : ",").append(t.shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + t.data.length).append("]}");
            offset += t.data.length;
        }
        json.append('}');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        writeAtomically(file, ch -> {
            writeFully(ch, head);
            for (Tensor t : tensors) {
                writeFully(ch, ByteBuffer.wrap(t.data));
            }
        });
    }

    /** Writes through a channel. */
    @FunctionalInterface
    interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    /** Temporary files of an earlier save older than this were left by a process that died; the next save removes them. */
    static final long STALE_TEMPORARY_MILLIS = 10 * 60 * 1000L;

    /**
     * Writes a temporary file next to {@code target} with {@code writer}, forces it to disk, then moves it over
     * {@code target} (atomically where the file system allows it). The temporary file is created with the
     * default permissions, so the target gets the same permissions as any new file. A failure while writing
     * (a full disk, an I/O error) leaves {@code target} as it was and says so; the temporary file is removed.
     * A process killed during a save leaves its temporary file ({@code .NAME.HEX.tmp} beside the target);
     * the next successful save of the same target removes those older than
     * {@link #STALE_TEMPORARY_MILLIS} (younger ones may belong to a save still running in another process).
     */
    static void writeAtomically(Path target, ChannelWriter writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "directory does not exist");
        }
        Path tmp = null;
        FileChannel ch = null;
        for (int attempt = 0; ch == null; attempt++) {
            tmp = absolute.resolveSibling("." + absolute.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
        boolean moved = false;
        try {
            try (FileChannel c = ch) {
                writer.write(c);
                c.force(true);
            } catch (IOException e) {
                throw new IOException("could not write " + absolute + " (while writing its temporary file "
                        + tmp.getFileName() + "): " + e.getMessage() + "; " + absolute.getFileName()
                        + " is unchanged", e);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            if (dir != null) {
                syncDirectory(dir);
                removeStaleTemporaries(absolute);
            }
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Deletes {@code .NAME.HEX.tmp} files beside {@code target} not modified for {@link #STALE_TEMPORARY_MILLIS}. */
    private static void removeStaleTemporaries(Path target) {
        String prefix = "." + target.getFileName() + ".";
        long cutoff = System.currentTimeMillis() - STALE_TEMPORARY_MILLIS;
        try (java.nio.file.DirectoryStream<Path> leftovers = Files.newDirectoryStream(target.getParent(),
                p -> isTemporaryName(p.getFileName().toString(), prefix))) {
            for (Path leftover : leftovers) {
                try {
                    if (Files.getLastModifiedTime(leftover).toMillis() < cutoff) {
                        Files.deleteIfExists(leftover);
                    }
                } catch (IOException e) {
                    // Gone already, or not ours to delete: leave it.
                }
            }
        } catch (IOException | RuntimeException e) {
            // The save itself succeeded; cleaning up is best effort.
        }
    }

    /** Whether {@code name} is {@code prefix} followed by hex digits and {@code .tmp}, as writeAtomically names them. */
    static boolean isTemporaryName(String name, String prefix) {
        if (!name.startsWith(prefix) || !name.endsWith(".tmp") || name.length() <= prefix.length() + 4) {
            return false;
        }
        for (int i = prefix.length(); i < name.length() - 4; i++) {
            if (Character.digit(name.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Makes the rename durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not supported here; the data itself was forced before the move.
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
