// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.fcnn.api.Network;
import org.fcnn.data.Dataset;
import org.fcnn.spi.Matrix;

/**
 * How well a network does on a dataset, without dropout: the mean loss, and for classification the accuracy
 * and the confusion matrix ({@code confusion[true label][predicted class]}, prediction = the largest output).
 *
 * @param samples   the number of samples evaluated
 * @param loss      the mean loss (the network's own loss function)
 * @param correct   the number of samples whose predicted class is their label (0 for regression)
 * @param confusion the confusion matrix {@code [classes x classes]}, or null for regression
 */
public record Evaluation(int samples, double loss, int correct, int[][] confusion) {

    /** The default number of samples per forward pass. */
    public static final int DEFAULT_BATCH = 256;

    public Evaluation {
        confusion = copy(confusion);
    }

    /** A copy of the confusion matrix {@code [true label][predicted class]}, or null for regression. */
    @Override
    public int[][] confusion() {
        return copy(confusion);
    }

    private static int[][] copy(int[][] m) {
        if (m == null) {
            return null;
        }
        int[][] c = new int[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    /** The accuracy in {@code [0, 1]}, NaN for regression. */
    public double accuracy() {
        return confusion == null ? Double.NaN : (double) correct / samples;
    }

    /** Whether this is a classification result (accuracy and confusion matrix present). */
    public boolean isClassification() {
        return confusion != null;
    }

    /** Evaluates {@code network} on {@code data} in batches of {@value #DEFAULT_BATCH}. */
    public static Evaluation of(Network network, Dataset data) {
        return of(network, data, DEFAULT_BATCH);
    }

    /**
     * Evaluates {@code network} on {@code data} in batches of {@code batchSize}.
     *
     * @throws IllegalArgumentException if the dataset's inputs or outputs do not fit the network
     */
    public static Evaluation of(Network network, Dataset data, int batchSize) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(data, "data");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        Trainer.checkFits(network, data, "data");
        try (Batches b = new Batches(network, Math.min(batchSize, data.size()))) {
            return of(b, data);
        }
    }

    /** Evaluates with the given buffers (the trainer's). */
    static Evaluation of(Batches b, Dataset data) {
        Network net = b.net;
        boolean was = net.isTraining();
        net.setTraining(false);
        try {
            int k = net.outputSize();
            int[][] confusion = data.isClassification() ? new int[k][k] : null;
            int correct = 0;
            double lossSum = 0;
            for (int start = 0; start < data.size(); start += b.batchSize) {
                int n = Math.min(b.batchSize, data.size() - start);
                Matrix x = b.load(data, null, start, n);
                Matrix out = net.forward(x);
                lossSum += net.loss(b.target(n)) * n;
                if (confusion != null) {
                    b.read(out);
                    for (int i = 0; i < n; i++) {
                        int predicted = b.argmax(i, k);
                        int label = data.label(start + i);
                        confusion[label][predicted]++;
                        if (predicted == label) {
                            correct++;
                        }
                    }
                }
            }
            return new Evaluation(data.size(), lossSum / data.size(), correct, confusion);
        } finally {
            net.setTraining(was);
        }
    }

    /** The accuracy of each class (recall): correct predictions of the class over its samples; NaN if it has none. */
    public double[] classAccuracy() {
        if (confusion == null) {
            throw new IllegalStateException("a regression evaluation has no classes");
        }
        double[] acc = new double[confusion.length];
        for (int c = 0; c < confusion.length; c++) {
            int total = 0;
            for (int v : confusion[c]) {
                total += v;
            }
            acc[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
        }
        return acc;
    }

    /**
     * The confusion matrix as a text table: one row per true class, one column per predicted class, then the
     * class's accuracy. {@code classNames} may be null or shorter than the number of classes (then indices are
     * used).
     */
    public String confusionTable(List<String> classNames) {
        if (confusion == null) {
            throw new IllegalStateException("a regression evaluation has no confusion matrix");
        }
        int k = confusion.length;
        int width = Math.max(5, String.valueOf(samples).length() + 1);
        String[] names = new String[k];
        int nameWidth = 10;
        for (int c = 0; c < k; c++) {
            names[c] = classNames != null && c < classNames.size() ? c + " " + classNames.get(c) : String.valueOf(c);
            nameWidth = Math.max(nameWidth, names[c].length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", "true\\pred"));
        for (int c = 0; c < k; c++) {
            sb.append(String.format(Locale.ROOT, "%" + width + "d", c));
        }
        sb.append("  accuracy\n");
        double[] acc = classAccuracy();
        for (int r = 0; r < k; r++) {
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", names[r]));
            for (int c = 0; c < k; c++) {
                sb.append(String.format(Locale.ROOT, "%" + width + "d", confusion[r][c]));
            }
            sb.append(Double.isNaN(acc[r]) ? "         -" : String.format(Locale.ROOT, "  %7.2f%%", 100 * acc[r]))
                    .append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return confusion == null
                ? String.format(Locale.ROOT, "Evaluation(%d samples, loss %.6f)", samples, loss)
                : String.format(Locale.ROOT, "Evaluation(%d samples, loss %.4f, accuracy %.2f%% (%d/%d))", samples,
                loss, 100 * accuracy(), correct, samples);
    }
}
