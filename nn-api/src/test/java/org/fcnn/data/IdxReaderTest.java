// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX file: magic {@code 0x0000TTDD}, the dimensions, then the data. */
    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        }
        return bytes.toByteArray();
    }

    /** Three 2x2 images with pixel values 0, 51, ..., and labels 2, 0, 1. */
    static byte[] images() {
        byte[] px = new byte[12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 20);
        }
        px[11] = (byte) 255;
        return idx(0x08, new int[] {3, 2, 2}, px);
    }

    static byte[] labels() {
        return idx(0x08, new int[] {3}, new byte[] {2, 0, 1});
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    @Test
    void readsPlainFile() throws IOException {
        IdxReader.IdxArray a = IdxReader.read(write("img", images()));
        assertEquals(IdxReader.Type.UNSIGNED_BYTE, a.type());
        assertArrayEquals(new int[] {3, 2, 2}, a.dimensions());
        assertEquals(3, a.count());
        assertEquals(4, a.itemSize());
        float[] f = a.toFloats(1 / 255.0);
        assertEquals(20 / 255f, f[1], 1e-7);
        assertEquals(1f, f[11]);
    }

    @Test
    void readsGzipFileWhateverItsName() throws IOException {
        IdxReader.IdxArray plain = IdxReader.read(write("a", images()));
        IdxReader.IdxArray gz = IdxReader.read(write("b-no-gz-suffix", gzip(images())));
        assertArrayEquals(plain.dimensions(), gz.dimensions());
        assertArrayEquals(plain.toFloats(1), gz.toFloats(1));
    }

    @Test
    void readsOtherElementTypes() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-2f);
        IdxReader.IdxArray a = IdxReader.read(write("f", idx(0x0D, new int[] {2}, data.array())));
        assertArrayEquals(new float[] {1.5f, -2f}, a.toFloats(1));
        IdxReader.IdxArray s = IdxReader.read(write("s", idx(0x09, new int[] {2}, new byte[] {-3, 4})));
        assertArrayEquals(new int[] {-3, 4}, s.toInts());
    }

    @Test
    void loadsImagesAndLabelsAsScaledOneHotDataset() throws IOException {
        Dataset d = IdxDatasets.load(write("i.gz", gzip(images())), write("l", labels()), 0);
        assertEquals(3, d.size());
        assertEquals(4, d.inputs());
        assertEquals(3, d.classes());
        assertEquals(2, d.label(0));
        assertEquals(1f, d.target(0, 2));
        assertEquals(0f, d.target(0, 0));
        assertEquals(1f, d.feature(2, 3));
        assertEquals(40 / 255f, d.feature(0, 2), 1e-7);
    }

    @Test
    void loadsMnistStyleDirectory() throws IOException {
        write("train-images-idx3-ubyte.gz", gzip(images()));
        write("train-labels-idx1-ubyte.gz", gzip(labels()));
        write("t10k-images-idx3-ubyte", images());
        write("t10k-labels-idx1-ubyte", labels());
        IdxDatasets.TrainTest tt = IdxDatasets.loadDirectory(dir, 10);
        assertEquals(3, tt.train().size());
        assertEquals(3, tt.test().size());
        assertEquals(10, tt.test().classes());
    }

    @Test
    void missingFileInDirectoryIsNamed() throws IOException {
        write("train-images-idx3-ubyte", images());
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxDatasets.loadDirectory(dir, 0));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte"), e.getMessage());
    }

    @Test
    void wrongMagicNumber() throws IOException {
        byte[] bad = images();
        bad[0] = 0x12;
        Path f = write("bad", bad);
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("wrong magic number 0x12000803"), e.getMessage());
        assertEquals(f, e.file());
    }

    @Test
    void unknownElementTypeIsAWrongMagicNumber() throws IOException {
        Path f = write("bad", idx(0x07, new int[] {1}, new byte[1]));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("wrong magic number 0x00000701"), e.getMessage());
    }

    @Test
    void csvFileIsNotIdx() throws IOException {
        Path f = write("data.csv", "1,2,3\n".getBytes());
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    }

    @Test
    void truncatedPlainFile() throws IOException {
        byte[] full = images();
        Path f = write("t", Arrays.copyOf(full, full.length - 5));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("[3 x 2 x 2]"), e.getMessage());
        assertTrue(e.getMessage().contains("12 bytes of data") && e.getMessage().contains("only 7 bytes"), e.getMessage());
    }

    @Test
    void truncatedHeader() throws IOException {
        Path f = write("t", Arrays.copyOf(images(), 10));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated header"), e.getMessage());
        Path g = write("u", new byte[] {0, 0});
        e = assertThrows(DataFileException.class, () -> IdxReader.read(g));
        assertTrue(e.getMessage().contains("too short for an IDX header"), e.getMessage());
    }

    @Test
    void truncatedGzipData() throws IOException {
        // The data are complete gzip, but hold fewer bytes than the header declares.
        byte[] full = images();
        Path f = write("t.gz", gzip(Arrays.copyOf(full, full.length - 4)));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("end after 8 bytes"), e.getMessage());
    }

    @Test
    void truncatedGzipStream() throws IOException {
        byte[] big = new byte[20000];
        new java.util.Random(1).nextBytes(big);
        byte[] gz = gzip(idx(0x08, new int[] {20000}, big));
        Path f = write("t.gz", Arrays.copyOf(gz, gz.length / 2));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void extraBytesAfterTheData() throws IOException {
        byte[] full = images();
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        Path f = write("x", longer);
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
        Path g = write("x.gz", gzip(longer));
        e = assertThrows(DataFileException.class, () -> IdxReader.read(g));
        assertTrue(e.getMessage().contains("unexpected bytes"), e.getMessage());
    }

    @Test
    void absurdDimensionsAreRejectedBeforeAllocating() throws IOException {
        // 2^31 - 1 images of 2^31 - 1 pixels: far beyond any array; must not try to allocate.
        Path f = write("huge", idx(0x08, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[0]));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("absurd dimensions"), e.getMessage());
        // Unsigned 0xFFFFFFFF as a dimension.
        Path g = write("neg", idx(0x08, new int[] {-1}, new byte[0]));
        e = assertThrows(DataFileException.class, () -> IdxReader.read(g));
        assertTrue(e.getMessage().contains("absurd dimensions [4294967295]"), e.getMessage());
    }

    @Test
    void plausibleButLyingDimensionsInASmallPlainFile() throws IOException {
        // 1 GB declared in a 20-byte file: rejected against the file length, nothing allocated.
        Path f = write("lie", idx(0x08, new int[] {1000, 1000, 1000}, new byte[4]));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("1000000000 bytes"), e.getMessage());
    }

    @Test
    void lyingDimensionsInASmallGzipFile() throws IOException {
        Path f = write("lie.gz", gzip(idx(0x08, new int[] {40000, 28, 28}, new byte[4])));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(f));
        assertTrue(e.getMessage().contains("absurd dimensions [40000 x 28 x 28]")
                && e.getMessage().contains("cannot come from a gzip file"), e.getMessage());
    }

    @Test
    void zeroDimensionAndTooManyDimensions() throws IOException {
        Path f = write("z", idx(0x08, new int[] {0}, new byte[0]));
        assertTrue(assertThrows(DataFileException.class, () -> IdxReader.read(f)).getMessage()
                .contains("dimension 0 is 0"));
        byte[] many = new byte[4 + 4 * 40];
        many[2] = 0x08;
        many[3] = 40;
        Path g = write("m", many);
        assertTrue(assertThrows(DataFileException.class, () -> IdxReader.read(g)).getMessage()
                .contains("declares 40 dimensions"));
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Path img = write("img", images());
        Path lab = write("lab", idx(0x08, new int[] {2}, new byte[] {0, 1}));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxDatasets.load(img, lab, 0));
        assertTrue(e.getMessage().contains("image and label counts disagree: img has 3 images, lab has 2 labels"),
                e.getMessage());
    }

    @Test
    void labelsOutOfRange() throws IOException {
        Path img = write("img", images());
        Path lab = write("lab", idx(0x08, new int[] {3}, new byte[] {0, 12, 1}));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxDatasets.load(img, lab, 10));
        assertTrue(e.getMessage().contains("label 12 of item 1 is outside 0..9"), e.getMessage());
    }

    @Test
    void labelsFileMustBeAVector() throws IOException {
        Path img = write("img", images());
        Path lab = write("lab", images());
        DataFileException e = assertThrows(DataFileException.class, () -> IdxDatasets.load(img, lab, 0));
        assertTrue(e.getMessage().contains("a labels file has 1 dimension"), e.getMessage());
    }

    @Test
    void aHugeLabelIsRejectedBeforeTheOneHotTargets() throws IOException {
        // Found by the fuzz test's seeds: one int label of 2^28 asked for 2^28 one-hot floats per image (1 GiB each).
        Path img = write("img", idx(0x08, new int[] {2, 1}, new byte[] {9, 8}));
        Path lab = write("lab", idx(0x0C, new int[] {2}, new byte[] {0, 0, 0, 0, 0x10, 0, 0, 0}));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxDatasets.load(img, lab, 0));
        assertEquals(lab + ": label 268435456 of item 1 is too large: a dataset has at most 65536 classes "
                + "(labels 0..65535)", e.getMessage());
        Path most = write("most", idx(0x0C, new int[] {2}, new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}));
        assertEquals(Dataset.MAX_CLASSES, IdxDatasets.load(img, most, 0).classes());
        assertThrows(IllegalArgumentException.class, () -> IdxDatasets.load(img, most, 1));
        assertThrows(IllegalArgumentException.class, () -> IdxDatasets.load(img, most, Dataset.MAX_CLASSES + 1));
    }

    @Test
    void pixelsMustBeFinite() throws IOException {
        // Found by the fuzz test's seeds: float images holding NaN gave a dataset of NaN features.
        Path lab = write("lab", idx(0x08, new int[] {2}, new byte[] {0, 1}));
        ByteBuffer px = ByteBuffer.allocate(16).putFloat(1).putFloat(2).putFloat(3).putFloat(Float.NaN);
        Path img = write("img", idx(0x0D, new int[] {2, 2}, px.array()));
        DataFileException e = assertThrows(DataFileException.class, () -> IdxDatasets.load(img, lab, 0));
        assertEquals(img + ": element 1 of image 1 is NaN; pixels must be finite numbers", e.getMessage());
        ByteBuffer big = ByteBuffer.allocate(16).putDouble(1e300).putDouble(0);
        Path dbl = write("dbl", idx(0x0E, new int[] {2, 1}, big.array()));
        e = assertThrows(DataFileException.class, () -> IdxDatasets.load(dbl, lab, 0));
        assertEquals(dbl + ": element 0 of image 0 is 1.0E300, out of the float range; pixels must be finite "
                + "numbers", e.getMessage());
    }
}
