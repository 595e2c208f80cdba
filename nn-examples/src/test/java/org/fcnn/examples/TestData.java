// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.fcnn.data.Dataset;

/** Small generated datasets for tests, as objects, CSV files and IDX directories. */
public final class TestData {
    private TestData() {
    }

    /** {@code n} points in 2-D around three centres, labels 0..2, features roughly in [0, 1]. */
    public static Dataset blobs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] centres = {{0.2f, 0.2f}, {0.8f, 0.3f}, {0.5f, 0.8f}};
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            y[i] = c;
            x[2 * i] = centres[c][0] + (float) (0.08 * gaussian(r));
            x[2 * i + 1] = centres[c][1] + (float) (0.08 * gaussian(r));
        }
        return Dataset.classification(x, 2, y, 3);
    }

    /** {@code n} samples of {@code y = 0.5 x1 - 0.25 x2 + 0.1} with a little noise. */
    public static Dataset linear(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[2 * n];
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) r.nextDouble();
            x[2 * i + 1] = (float) r.nextDouble();
            t[i] = 0.5f * x[2 * i] - 0.25f * x[2 * i + 1] + 0.1f + (float) (0.01 * gaussian(r));
        }
        return Dataset.regression(x, 2, t, 1);
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** Writes {@code d} as CSV with a header: inputs, then the label or the targets. */
    public static Path writeCsv(Dataset d, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < d.inputs(); j++) {
            sb.append("x").append(j).append(',');
        }
        sb.append(d.isClassification() ? "label" : "target").append('\n');
        for (int i = 0; i < d.size(); i++) {
            for (int j = 0; j < d.inputs(); j++) {
                sb.append(String.format(Locale.ROOT, "%.6f,", d.feature(i, j)));
            }
            if (d.isClassification()) {
                sb.append(d.label(i));
            } else {
                sb.append(String.format(Locale.ROOT, "%.6f", d.target(i, 0)));
            }
            sb.append('\n');
        }
        return Files.writeString(file, sb);
    }

    /**
     * Writes an MNIST-style directory of 6x6 "images" in 3 classes (a bright bar in row, column or diagonal),
     * {@code train} training and {@code test} test images, gzip-compressed.
     */
    public static Path writeIdxDirectory(Path dir, int train, int test, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        writeIdxPair(dir, "train", train, r);
        writeIdxPair(dir, "t10k", test, r);
        return dir;
    }

    private static void writeIdxPair(Path dir, String prefix, int n, SplittableRandom r) throws IOException {
        int side = 6;
        byte[] px = new byte[n * side * side];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            labels[i] = (byte) c;
            int k = r.nextInt(side);
            for (int p = 0; p < side * side; p++) {
                int row = p / side;
                int col = p % side;
                boolean on = c == 0 ? row == k : c == 1 ? col == k : row == col;
                int v = on ? 200 + r.nextInt(56) : r.nextInt(60);
                px[i * side * side + p] = (byte) v;
            }
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), gzip(idx(0x08, new int[] {n, side, side}, px)));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), gzip(idx(0x08, new int[] {n}, labels)));
    }

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
}
