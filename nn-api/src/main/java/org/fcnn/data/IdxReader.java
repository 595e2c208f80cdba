// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, plain or gzip-compressed (recognised by the gzip
 * magic bytes {@code 1f 8b}, whatever the file name).
 *
 * <p>The format: a big-endian magic number {@code 0x0000TTDD} where {@code TT} is the element type
 * ({@code 0x08} unsigned byte, {@code 0x09} signed byte, {@code 0x0B} short, {@code 0x0C} int, {@code 0x0D}
 * float, {@code 0x0E} double) and {@code DD} the number of dimensions; then each dimension as a big-endian
 * 32-bit integer; then the elements, big-endian, row-major. MNIST images are {@code 0x00000803}
 * ({@code [n x 28 x 28]} unsigned bytes), labels {@code 0x00000801} ({@code [n]}).
 *
 * <p>Before allocating, the declared size is checked against the file: a plain file must have exactly that
 * many bytes, and a gzip file cannot hold more than 1032 times its length (DEFLATE's largest ratio).
 * Compressed data is read in chunks and only assembled once complete, so a file that lies about its size
 * fails with a {@link DataFileException}, never with an {@link OutOfMemoryError}.
 */
public final class IdxReader {
    /** The largest number of data bytes accepted: the largest Java array. */
    public static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;
    /** The most dimensions accepted; real IDX files have 1 to 4. */
    public static final int MAX_DIMENSIONS = 16;
    /** DEFLATE cannot compress better than about 1032:1. */
    private static final long MAX_GZIP_RATIO = 1032;
    private static final int CHUNK = 1 << 20;

    private IdxReader() {
    }

    /** The element types of the IDX format. */
    public enum Type {
        UNSIGNED_BYTE(0x08, 1), SIGNED_BYTE(0x09, 1), SHORT(0x0B, 2), INT(0x0C, 4), FLOAT(0x0D, 4), DOUBLE(0x0E, 8);

        private final int code;
        private final int bytes;

        Type(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The type byte of the magic number. */
        public int code() {
            return code;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        static Type of(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * The contents of an IDX file: its element type, dimensions, and the elements as raw big-endian bytes.
     */
    public static final class IdxArray {
        private final Type type;
        private final int[] dimensions;
        private final byte[] data;
        private final ByteBuffer view;

        IdxArray(Type type, int[] dimensions, byte[] data) {
            this.type = type;
            this.dimensions = dimensions;
            this.data = data;
            this.view = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN).asReadOnlyBuffer();
        }

        public Type type() {
            return type;
        }

        /** A copy of the dimensions, e.g. {@code [60000, 28, 28]}. */
        public int[] dimensions() {
            return dimensions.clone();
        }

        /** The first dimension: the number of items (images, labels). */
        public int count() {
            return dimensions[0];
        }

        /** Elements per item: the product of the dimensions after the first (1 for a vector). */
        public int itemSize() {
            int s = 1;
            for (int i = 1; i < dimensions.length; i++) {
                s *= dimensions[i];
            }
            return s;
        }

        /** The number of elements. */
        public int size() {
            return data.length / type.bytes;
        }

        /** Element {@code i} (row-major) as a double. */
        public double get(int i) {
            Objects.checkIndex(i, size());
            ByteBuffer b = view;
            switch (type) {
                case UNSIGNED_BYTE: return data[i] & 0xFF;
                case SIGNED_BYTE: return data[i];
                case SHORT: return b.getShort(i * 2);
                case INT: return b.getInt(i * 4);
                case FLOAT: return b.getFloat(i * 4);
                default: return b.getDouble(i * 8);
            }
        }

        /** Every element times {@code scale}, as floats; {@code scale = 1/255.0} maps pixels to {@code [0, 1]}. */
        public float[] toFloats(double scale) {
            int n = size();
            float[] out = new float[n];
            if (type == Type.UNSIGNED_BYTE) {
                float[] table = new float[256];
                for (int v = 0; v < 256; v++) {
                    table[v] = (float) (v * scale);
                }
                for (int i = 0; i < n; i++) {
                    out[i] = table[data[i] & 0xFF];
                }
            } else {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) (get(i) * scale);
                }
            }
            return out;
        }

        /** Every element as an int (for labels); floating-point types are rejected. */
        public int[] toInts() {
            if (type == Type.FLOAT || type == Type.DOUBLE) {
                throw new IllegalStateException("IDX " + type + " data are not integers");
            }
            int n = size();
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = (int) get(i);
            }
            return out;
        }
    }

    /**
     * Reads an IDX file, gzip-compressed or not.
     *
     * @throws DataFileException if it is not an IDX file, declares absurd dimensions, is truncated or has data
     *                           beyond what its header declares
     * @throws IOException       if it cannot be read
     */
    public static IdxArray read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        long fileSize = Files.size(file);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            if (gzip) {
                try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
                    return read(file, in, fileSize, true);
                } catch (ZipException | EOFException e) {
                    throw new DataFileException(file, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
                }
            }
            return read(file, raw, fileSize, false);
        }
    }

    private static IdxArray read(Path file, InputStream in, long fileSize, boolean gzip) throws IOException {
        byte[] magic = new byte[4];
        int got = readFully(in, magic, 0, 4);
        if (got < 4) {
            throw new DataFileException(file, "truncated: " + got + " bytes, too short for an IDX header");
        }
        int m = ByteBuffer.wrap(magic).getInt();
        Type type = Type.of(magic[2] & 0xFF);
        int rank = magic[3] & 0xFF;
        if (magic[0] != 0 || magic[1] != 0 || type == null) {
            throw new DataFileException(file, String.format("wrong magic number 0x%08X: not an IDX file (expected "
                    + "0x000008DD for unsigned bytes, e.g. 0x00000803 for images, 0x00000801 for labels)", m));
        }
        if (rank == 0 || rank > MAX_DIMENSIONS) {
            throw new DataFileException(file, String.format("magic number 0x%08X declares %d dimensions; expected "
                    + "1 to %d", m, rank, MAX_DIMENSIONS));
        }
        byte[] dimBytes = new byte[4 * rank];
        got = readFully(in, dimBytes, 0, dimBytes.length);
        if (got < dimBytes.length) {
            throw new DataFileException(file, "truncated header: " + rank + " dimensions need " + dimBytes.length
                    + " bytes after the magic number, got " + got);
        }
        ByteBuffer db = ByteBuffer.wrap(dimBytes);
        int[] dims = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++) {
            long d = db.getInt() & 0xFFFFFFFFL;
            if (d == 0) {
                throw new DataFileException(file, "dimension " + i + " is 0 (" + describe(db, rank) + ")");
            }
            if (d > MAX_DATA_BYTES) {
                throw new DataFileException(file, "absurd dimensions " + describe(db, rank) + ": dimension " + i
                        + " is " + d);
            }
            dims[i] = (int) d;
            elements *= d;
            if (elements * type.bytes() > MAX_DATA_BYTES) {
                throw new DataFileException(file, "absurd dimensions " + describe(db, rank) + ": more than "
                        + MAX_DATA_BYTES + " bytes of " + type + " data");
            }
        }
        long dataBytes = elements * type.bytes();
        long headerBytes = 4 + 4L * rank;
        if (!gzip) {
            long present = fileSize - headerBytes;
            if (present < dataBytes) {
                throw new DataFileException(file, "truncated: the header declares " + describe(dims) + " " + type
                        + " (" + dataBytes + " bytes of data) but the file has only " + present + " bytes after the header");
            }
            if (present > dataBytes) {
                throw new DataFileException(file, (present - dataBytes) + " unexpected bytes after the "
                        + dataBytes + " bytes of data that the header declares (" + describe(dims) + "); "
                        + "are the dimensions right?");
            }
            byte[] data = new byte[(int) dataBytes];
            got = readFully(in, data, 0, data.length);
            if (got < data.length) {
                throw new DataFileException(file, "truncated while reading: got " + got + " of " + dataBytes + " bytes");
            }
            return new IdxArray(type, dims, data);
        }
        if (dataBytes + headerBytes > fileSize * MAX_GZIP_RATIO) {
            throw new DataFileException(file, "absurd dimensions " + describe(dims) + ": " + dataBytes
                    + " bytes of data cannot come from a gzip file of " + fileSize + " bytes");
        }
        // Read in chunks so that memory follows the data actually present, not what the header claims.
        List<byte[]> chunks = new ArrayList<>();
        long total = 0;
        while (total < dataBytes) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, dataBytes - total)];
            int n = readFully(in, chunk, 0, chunk.length);
            total += n;
            if (n < chunk.length) {
                throw new DataFileException(file, "truncated: the header declares " + describe(dims) + " " + type
                        + " (" + dataBytes + " bytes of data) but the compressed data end after " + total + " bytes");
            }
            chunks.add(chunk);
        }
        if (in.read() >= 0) {
            throw new DataFileException(file, "unexpected bytes after the " + dataBytes + " bytes of data that the "
                    + "header declares (" + describe(dims) + "); are the dimensions right?");
        }
        byte[] data = new byte[(int) dataBytes];
        int pos = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, data, pos, c.length);
            pos += c.length;
        }
        return new IdxArray(type, dims, data);
    }

    /** Reads up to {@code len} bytes; returns how many were read (fewer only at the end of the stream). */
    private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    static String describe(int[] dims) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : " x ").append(dims[i]);
        }
        return sb.append(']').toString();
    }

    private static String describe(ByteBuffer db, int rank) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rank; i++) {
            sb.append(i == 0 ? "" : " x ").append(db.getInt(4 * i) & 0xFFFFFFFFL);
        }
        return sb.append(']').toString();
    }
}
