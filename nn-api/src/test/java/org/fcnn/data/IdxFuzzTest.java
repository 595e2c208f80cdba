// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import static org.fcnn.fuzz.FuzzTarget.readOrReject;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.fcnn.fuzz.FuzzTarget;

/**
 * Fuzz tests of the IDX readers. In {@code mvn verify} each replays its corpus in
 * {@code src/test/resources/org/fcnn/data/IdxFuzzTestInputs/<method>/}; {@code -Pfuzz} fuzzes one of them
 * (docs/RELIABILITY.md, "Fuzzing"). The rule for a finding is {@link FuzzTarget#readOrReject}: the readers
 * document {@link DataFileException} for bad content (the scratch file is always readable, so any other
 * {@code IOException} comes from the content too, and is a finding).
 */
class IdxFuzzTest {

    /**
     * {@link IdxReader#read} on the bytes as a plain file and on the same bytes gzip-compressed: both must
     * reject or both accept with the same type, dimensions and data; an accepted array must be consistent.
     */
    @FuzzTest
    void idxReader(byte[] bytes) throws Exception {
        Path plain = Files.write(FuzzTarget.scratch("plain.idx"), bytes);
        IdxReader.IdxArray a = readOrReject(() -> IdxReader.read(plain), DataFileException.class);
        if (a != null) {
            checkConsistent(a);
            if (!isGzip(bytes)) {
                assertEquals(bytes.length, 4 + 4L * a.dimensions().length + (long) a.size() * a.type().bytes(),
                        "an accepted plain file is exactly header plus data");
            }
        }
        if (isGzip(bytes)) {
            return; // Compressing gzip data again gives an IDX file with a wrong magic number: nothing to compare.
        }
        Path gz = Files.write(FuzzTarget.scratch("gzipped.idx"), gzip(bytes));
        IdxReader.IdxArray b = readOrReject(() -> IdxReader.read(gz), DataFileException.class);
        assertEquals(a != null, b != null, "plain and gzipped, the same bytes are both accepted or both rejected");
        if (a != null) {
            assertEquals(a.type(), b.type());
            assertArrayEquals(a.dimensions(), b.dimensions());
            assertArrayEquals(a.toFloats(1), b.toFloats(1));
        }
    }

    /**
     * {@link IdxDatasets#load} on an images file and a labels file cut from the input (each plain or gzipped, as
     * the input says), with a number of classes from the input (0: from the labels): either a
     * {@link DataFileException} or a dataset whose sizes, labels and features are what the files hold.
     */
    @FuzzTest
    void idxDatasets(FuzzedDataProvider data) throws Exception {
        int classes = data.consumeInt(0, 12);
        classes = classes == 1 ? 0 : classes;
        boolean gzipLabels = data.consumeBoolean();
        boolean gzipImages = data.consumeBoolean();
        byte[] labelBytes = data.consumeBytes(data.consumeInt(0, 512));
        byte[] imageBytes = data.consumeRemainingAsBytes();
        Path labels = Files.write(FuzzTarget.scratch("labels.idx"), gzipLabels ? gzip(labelBytes) : labelBytes);
        Path images = Files.write(FuzzTarget.scratch("images.idx"), gzipImages ? gzip(imageBytes) : imageBytes);
        int k = classes;
        Dataset d = readOrReject(() -> IdxDatasets.load(images, labels, k), DataFileException.class);
        if (d == null) {
            return;
        }
        IdxReader.IdxArray img = IdxReader.read(images);
        int[] y = IdxReader.read(labels).toInts();
        assertEquals(img.count(), d.size());
        assertEquals(img.itemSize(), d.inputs());
        assertTrue(d.classes() >= 2, "at least 2 classes");
        if (k > 0) {
            assertEquals(k, d.classes());
        }
        assertArrayEquals(y, d.labels());
        float[] f = d.features();
        for (int i = 0; i < f.length; i++) {
            assertTrue(Float.isFinite(f[i]), "feature " + i + " is " + f[i]);
        }
    }

    private static void checkConsistent(IdxReader.IdxArray a) {
        int[] dims = a.dimensions();
        assertTrue(dims.length >= 1 && dims.length <= IdxReader.MAX_DIMENSIONS, "1 to 16 dimensions");
        long product = 1;
        for (int d : dims) {
            assertTrue(d > 0, "positive dimensions");
            product *= d;
        }
        assertEquals(product, a.size(), "the dimensions multiply to the element count");
        assertEquals(dims[0], a.count());
        assertEquals(a.size(), (long) a.count() * a.itemSize());
        assertEquals(a.size(), a.toFloats(1).length);
    }

    private static boolean isGzip(byte[] b) {
        return b.length >= 2 && (b[0] & 0xFF) == 0x1f && (b[1] & 0xFF) == 0x8b;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
