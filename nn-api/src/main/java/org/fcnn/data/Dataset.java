// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * A table of samples for training or evaluation: features {@code [size x inputs]} and targets
 * {@code [size x outputs]}, both row-major {@code float}, one sample a row.
 *
 * <p>A <em>classification</em> set also has an integer label in {@code [0, classes)} per sample, and its targets
 * are the labels one-hot encoded ({@code outputs == classes}), ready for a softmax output with cross-entropy.
 * A <em>regression</em> set has raw target values and no labels.
 *
 * <p>A dataset is immutable: {@link #shuffled}, {@link #split}, {@link #subset} and {@link #head} return new
 * datasets. {@link #gather} copies a mini-batch into arrays the caller reuses, so a training loop allocates
 * nothing per batch.
 *
 * <p>The one-hot targets are dense ({@code size x classes} floats), so a classification set has at most
 * {@link #MAX_CLASSES} classes, and {@code size x classes} must fit in one Java array.
 */
public final class Dataset {
    /**
     * The most classes a classification set may have (2<sup>16</sup>). The readers reject a label at or above it
     * with the file and the place, so that a small file with one huge label cannot ask for gigabytes of one-hot
     * targets.
     */
    public static final int MAX_CLASSES = 1 << 16;
    /** The most elements of one array (features, targets): the largest Java array. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private final float[] features;
    private final int inputs;
    private final float[] targets;
    private final int outputs;
    private final int[] labels;
    private final int classes;
    private final int size;

    private Dataset(float[] features, int inputs, float[] targets, int outputs, int[] labels, int classes, int size) {
        this.features = features;
        this.inputs = inputs;
        this.targets = targets;
        this.outputs = outputs;
        this.labels = labels;
        this.classes = classes;
        this.size = size;
    }

    /**
     * A classification set; the targets are the one-hot encoded labels. The arrays are copied.
     *
     * @param features row-major {@code [labels.length x inputs]}
     * @param inputs   the number of features per sample
     * @param labels   one label in {@code [0, classes)} per sample
     * @param classes  the number of classes, 2 to {@link #MAX_CLASSES}
     * @throws IllegalArgumentException if the sizes disagree, a feature is not finite, a label is out of range or
     *                                  the one-hot targets would not fit in an array
     */
    public static Dataset classification(float[] features, int inputs, int[] labels, int classes) {
        Objects.requireNonNull(labels, "labels");
        if (classes < 2 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("a classification set needs 2 to " + MAX_CLASSES + " classes, got "
                    + classes);
        }
        int n = labels.length;
        if ((long) n * classes > MAX_VALUES) {
            throw new IllegalArgumentException("the one-hot targets of " + n + " samples and " + classes
                    + " classes (" + ((long) n * classes) + " values) do not fit in one array");
        }
        checkTable("features", features, n, inputs);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside 0.."
                        + (classes - 1));
            }
        }
        return new Dataset(features.clone(), inputs, oneHot(labels, classes), classes, labels.clone(), classes, n);
    }

    /**
     * A regression set. The arrays are copied.
     *
     * @param features row-major {@code [n x inputs]}
     * @param targets  row-major {@code [n x outputs]}
     * @throws IllegalArgumentException if the sizes disagree or a value is not finite
     */
    public static Dataset regression(float[] features, int inputs, float[] targets, int outputs) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(targets, "targets");
        if (inputs <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("inputs and outputs must be positive, got " + inputs + " and " + outputs);
        }
        if (targets.length % outputs != 0) {
            throw new IllegalArgumentException("targets: " + targets.length + " values are not a whole number of rows of "
                    + outputs);
        }
        int n = targets.length / outputs;
        checkTable("features", features, n, inputs);
        checkTable("targets", targets, n, outputs);
        return new Dataset(features.clone(), inputs, targets.clone(), outputs, null, 0, n);
    }

    /** For the readers: takes ownership of arrays that are already checked. */
    static Dataset ownClassification(float[] features, int inputs, int[] labels, int classes) {
        return new Dataset(features, inputs, oneHot(labels, classes), classes, labels, classes, labels.length);
    }

    /** For the readers: takes ownership of arrays that are already checked. */
    static Dataset ownRegression(float[] features, int inputs, float[] targets, int outputs) {
        return new Dataset(features, inputs, targets, outputs, null, 0, targets.length / outputs);
    }

    private static void checkTable(String what, float[] values, int rows, int cols) {
        Objects.requireNonNull(values, what);
        if (cols <= 0) {
            throw new IllegalArgumentException(what + ": the number of columns must be positive, got " + cols);
        }
        if (rows == 0) {
            throw new IllegalArgumentException("a dataset needs at least one sample");
        }
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(what + " for " + rows + " samples need " + ((long) rows * cols)
                    + " values ([" + rows + " x " + cols + "]), got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + ": value " + (i % cols) + " of sample " + (i / cols)
                        + " is " + values[i] + "; values must be finite");
            }
        }
    }

    private static float[] oneHot(int[] labels, int classes) {
        float[] t = new float[Math.multiplyExact(labels.length, classes)];
        for (int i = 0; i < labels.length; i++) {
            t[i * classes + labels[i]] = 1f;
        }
        return t;
    }

    // ------------------------------------------------------------------ description

    /** The number of samples. */
    public int size() {
        return size;
    }

    /** The number of features per sample (the network's input size). */
    public int inputs() {
        return inputs;
    }

    /** The number of target values per sample (the network's output size); {@link #classes()} for classification. */
    public int outputs() {
        return outputs;
    }

    /** Whether the samples have class labels (and one-hot targets). */
    public boolean isClassification() {
        return labels != null;
    }

    /** The number of classes; 0 for a regression set. */
    public int classes() {
        return classes;
    }

    /** Feature {@code column} of sample {@code row}. */
    public float feature(int row, int column) {
        Objects.checkIndex(row, size);
        Objects.checkIndex(column, inputs);
        return features[row * inputs + column];
    }

    /** Target value {@code column} of sample {@code row}. */
    public float target(int row, int column) {
        Objects.checkIndex(row, size);
        Objects.checkIndex(column, outputs);
        return targets[row * outputs + column];
    }

    /**
     * The label of sample {@code row}.
     *
     * @throws IllegalStateException for a regression set
     */
    public int label(int row) {
        requireLabels();
        Objects.checkIndex(row, size);
        return labels[row];
    }

    /** A copy of the features, row-major {@code [size x inputs]}. */
    public float[] features() {
        return features.clone();
    }

    /** A copy of the targets, row-major {@code [size x outputs]} (one-hot for classification). */
    public float[] targets() {
        return targets.clone();
    }

    /**
     * A copy of the labels.
     *
     * @throws IllegalStateException for a regression set
     */
    public int[] labels() {
        requireLabels();
        return labels.clone();
    }

    /** How many samples each class has; for classification sets. */
    public int[] classCounts() {
        requireLabels();
        int[] counts = new int[classes];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    private void requireLabels() {
        if (labels == null) {
            throw new IllegalStateException("a regression set has no labels");
        }
    }

    // ------------------------------------------------------------------ batches

    /**
     * Copies the samples {@code order[start ... start + count)} into {@code x} (row-major
     * {@code [count x inputs]}) and {@code t} ({@code [count x outputs]}), from offset 0; the arrays may be
     * longer. This is the mini-batch gather of a training loop: it allocates nothing.
     *
     * @throws IllegalArgumentException if the range or the arrays are too small
     */
    public void gather(int[] order, int start, int count, float[] x, float[] t) {
        Objects.requireNonNull(order, "order");
        Objects.checkFromIndexSize(start, count, order.length);
        if (x == null || x.length < (long) count * inputs) {
            throw new IllegalArgumentException("x needs room for [" + count + " x " + inputs + "]");
        }
        if (t == null || t.length < (long) count * outputs) {
            throw new IllegalArgumentException("t needs room for [" + count + " x " + outputs + "]");
        }
        for (int i = 0; i < count; i++) {
            int row = order[start + i];
            Objects.checkIndex(row, size);
            System.arraycopy(features, row * inputs, x, i * inputs, inputs);
            System.arraycopy(targets, row * outputs, t, i * outputs, outputs);
        }
    }

    /**
     * Writes the samples {@code order[start, start + x.rows())} (where {@code order} is {@code null}, the rows from
     * {@code start} on) into the backend matrices {@code x} ({@code [rows x inputs]}) and {@code t}
     * ({@code [rows x outputs]}) with {@link Backend#writeRows}: the mini-batch gather of a training loop without a
     * copy in a host array between (on the CPU backend it allocates nothing; others stage the rows once).
     *
     * @throws IllegalArgumentException if a matrix does not have this set's columns, the two differ in rows, or
     *                                  the order or a row index is out of range
     */
    public void load(Backend backend, int[] order, int start, Matrix x, Matrix t) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(t, "t");
        if (x.cols() != inputs || t.cols() != outputs || x.rows() != t.rows()) {
            throw new IllegalArgumentException("load: x " + x.shape() + " and t " + t.shape() + " must be [n x "
                    + inputs + "] and [n x " + outputs + "] for this set");
        }
        backend.writeRows(x, features, order, start);
        backend.writeRows(t, targets, order, start);
    }

    /** As {@link #gather(int[], int, int, float[], float[])} for the contiguous rows {@code [start, start + count)}. */
    public void gather(int start, int count, float[] x, float[] t) {
        Objects.checkFromIndexSize(start, count, size);
        if (x == null || x.length < (long) count * inputs) {
            throw new IllegalArgumentException("x needs room for [" + count + " x " + inputs + "]");
        }
        if (t == null || t.length < (long) count * outputs) {
            throw new IllegalArgumentException("t needs room for [" + count + " x " + outputs + "]");
        }
        System.arraycopy(features, start * inputs, x, 0, count * inputs);
        System.arraycopy(targets, start * outputs, t, 0, count * outputs);
    }

    // ------------------------------------------------------------------ new datasets

    /** The samples in the order {@code rows} gives (rows may repeat). */
    public Dataset subset(int[] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length == 0) {
            throw new IllegalArgumentException("a dataset needs at least one sample");
        }
        float[] f = new float[Math.multiplyExact(rows.length, inputs)];
        float[] t = new float[Math.multiplyExact(rows.length, outputs)];
        int[] l = labels == null ? null : new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            Objects.checkIndex(r, size);
            System.arraycopy(features, r * inputs, f, i * inputs, inputs);
            System.arraycopy(targets, r * outputs, t, i * outputs, outputs);
            if (l != null) {
                l[i] = labels[r];
            }
        }
        return new Dataset(f, inputs, t, outputs, l, classes, rows.length);
    }

    /** The samples {@code [from, to)}. */
    public Dataset subset(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        if (from == to) {
            throw new IllegalArgumentException("a dataset needs at least one sample");
        }
        if (from == 0 && to == size) {
            return this;
        }
        return new Dataset(Arrays.copyOfRange(features, from * inputs, to * inputs), inputs,
                Arrays.copyOfRange(targets, from * outputs, to * outputs), outputs,
                labels == null ? null : Arrays.copyOfRange(labels, from, to), classes, to - from);
    }

    /** The first {@code min(n, size())} samples. */
    public Dataset head(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
        return subset(0, Math.min(n, size));
    }

    /** The samples in a random order drawn from {@code seed}: the same seed gives the same order everywhere. */
    public Dataset shuffled(long seed) {
        return subset(permutation(size, seed));
    }

    /**
     * Splits off the last {@code round(fraction * size())} samples as the second part, without shuffling; call
     * {@link #shuffled(long)} first for a random split, or use {@link #split(double, long)}.
     *
     * @param fraction in {@code (0, 1)}; both parts must end up with at least one sample
     */
    public Split split(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("split fraction must be in (0, 1), got " + fraction);
        }
        int second = (int) Math.round(fraction * size);
        if (second == 0 || second == size) {
            throw new IllegalArgumentException("splitting " + size + " samples at " + fraction
                    + " leaves one part empty");
        }
        return new Split(subset(0, size - second), subset(size - second, size));
    }

    /** A random split: {@code shuffled(seed).split(fraction)}. */
    public Split split(double fraction, long seed) {
        return shuffled(seed).split(fraction);
    }

    /** Two parts of a dataset, e.g. training and validation samples. */
    public record Split(Dataset first, Dataset second) {
    }

    /**
     * A uniformly random permutation of {@code 0 .. n-1} (Fisher-Yates with {@link SplittableRandom}), the same
     * for the same seed on every JVM.
     */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, new SplittableRandom(seed));
        return p;
    }

    /** Shuffles {@code values} in place (Fisher-Yates); allocation-free. */
    public static void shuffle(int[] values, SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int v = values[i];
            values[i] = values[j];
            values[j] = v;
        }
    }

    @Override
    public String toString() {
        return "Dataset(" + size + " samples, " + inputs + " inputs, "
                + (labels != null ? classes + " classes" : outputs + " regression targets") + ")";
    }
}
