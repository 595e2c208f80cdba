// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Classification datasets from pairs of IDX files (images and labels), as MNIST and Fashion-MNIST ship them.
 *
 * <p>Pixels are scaled to {@code [0, 1]} (unsigned bytes divided by 255); each image becomes one row of
 * {@code rows * cols} features. Labels become one-hot targets.
 */
public final class IdxDatasets {
    /** Where the Debian package {@code dataset-fashion-mnist} installs Fashion-MNIST. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** The ten classes of Fashion-MNIST, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private IdxDatasets() {
    }

    /** A training set and a test set. */
    public record TrainTest(Dataset train, Dataset test) {
    }

    /**
     * Loads one images file and its labels file.
     *
     * @param classes the number of classes (2 to {@link Dataset#MAX_CLASSES}), or 0 to use the largest label plus
     *                one
     * @throws DataFileException        if either file is bad, the counts differ, a label is {@code >= classes} (or,
     *                                  with {@code classes} 0, {@code >= Dataset.MAX_CLASSES}), a pixel is not a
     *                                  finite number, or the one-hot targets would not fit in an array
     * @throws IllegalArgumentException if {@code classes} is negative, 1 or above {@link Dataset#MAX_CLASSES}
     */
    public static Dataset load(Path images, Path labels, int classes) throws IOException {
        if (classes < 0 || classes == 1 || classes > Dataset.MAX_CLASSES) {
            throw new IllegalArgumentException("classes must be 0 (from the labels) or 2 to " + Dataset.MAX_CLASSES
                    + ", got " + classes);
        }
        IdxReader.IdxArray img = IdxReader.read(images);
        IdxReader.IdxArray lab = IdxReader.read(labels);
        if (img.dimensions().length < 2) {
            throw new DataFileException(images, "an images file needs at least 2 dimensions (count, pixels...), got "
                    + IdxReader.describe(img.dimensions()));
        }
        if (lab.dimensions().length != 1) {
            throw new DataFileException(labels, "a labels file has 1 dimension, got "
                    + IdxReader.describe(lab.dimensions()));
        }
        if (lab.type() == IdxReader.Type.FLOAT || lab.type() == IdxReader.Type.DOUBLE) {
            throw new DataFileException(labels, "labels must be integers, got " + lab.type());
        }
        if (img.count() != lab.count()) {
            throw new DataFileException(labels, "image and label counts disagree: " + images.getFileName() + " has "
                    + img.count() + " images, " + labels.getFileName() + " has " + lab.count() + " labels");
        }
        int[] y = lab.toInts();
        int max = -1;
        for (int i = 0; i < y.length; i++) {
            if (y[i] < 0) {
                throw new DataFileException(labels, "label " + y[i] + " of item " + i + " is negative");
            }
            if (classes == 0 && y[i] >= Dataset.MAX_CLASSES) {
                throw new DataFileException(labels, "label " + y[i] + " of item " + i + " is too large: a dataset "
                        + "has at most " + Dataset.MAX_CLASSES + " classes (labels 0.." + (Dataset.MAX_CLASSES - 1)
                        + ")");
            }
            max = Math.max(max, y[i]);
        }
        int k = classes > 0 ? classes : Math.max(2, max + 1);
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= k) {
                throw new DataFileException(labels, "label " + y[i] + " of item " + i + " is outside 0.." + (k - 1)
                        + " (" + k + " classes)");
            }
        }
        if ((long) y.length * k > Dataset.MAX_VALUES) {
            throw new DataFileException(labels, "the one-hot targets of " + y.length + " labels and " + k
                    + " classes (" + ((long) y.length * k) + " values) do not fit in one array");
        }
        double scale = img.type() == IdxReader.Type.UNSIGNED_BYTE ? 1 / 255.0 : 1;
        float[] x = img.toFloats(scale);
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                double v = img.get(i);
                throw new DataFileException(images, "element " + (i % img.itemSize()) + " of image "
                        + (i / img.itemSize()) + " is " + v + (Double.isFinite(v) ? ", out of the float range" : "")
                        + "; pixels must be finite numbers");
            }
        }
        return Dataset.ownClassification(x, img.itemSize(), y, k);
    }

    /**
     * Loads a directory holding the four files of the MNIST family: {@code train-images-idx3-ubyte},
     * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}, each
     * possibly ending in {@code .gz} (names with a dot instead of the last hyphen, or {@code test} for
     * {@code t10k}, are found too).
     *
     * @param classes the number of classes, or 0 to use the training set's largest label plus one
     * @throws NoSuchFileException if the directory or one of the files is missing (the message lists what was
     *                             looked for)
     * @throws DataFileException   if a file is bad or the training and test sets do not fit together
     */
    public static TrainTest loadDirectory(Path dir, int classes) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory of IDX files");
        }
        Path trainImages = find(dir, "train", "images");
        Path trainLabels = find(dir, "train", "labels");
        Path testImages = find(dir, "test", "images");
        Path testLabels = find(dir, "test", "labels");
        Dataset train = load(trainImages, trainLabels, classes);
        Dataset test = load(testImages, testLabels, train.classes());
        if (test.inputs() != train.inputs()) {
            throw new DataFileException(testImages, "test images have " + test.inputs() + " pixels, training images "
                    + train.inputs());
        }
        return new TrainTest(train, test);
    }

    /** The file of {@code part} ("train" or "test") and {@code kind} ("images" or "labels") in {@code dir}. */
    static Path find(Path dir, String part, String kind) throws IOException {
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
                boolean partMatches = part.equals("train") ? name.startsWith("train")
                        : name.startsWith("t10k") || name.startsWith("test");
                if (partMatches && name.contains(kind) && name.contains("idx") && Files.isRegularFile(f)) {
                    matches.add(f);
                }
            }
        }
        if (matches.isEmpty()) {
            String prefix = part.equals("train") ? "train" : "t10k";
            String idx = kind.equals("images") ? "idx3" : "idx1";
            throw new NoSuchFileException(dir.resolve(prefix + "-" + kind + "-" + idx + "-ubyte[.gz]").toString(), null,
                    "no " + part + " " + kind + " file (" + prefix + "-" + kind + "-" + idx + "-ubyte, optionally .gz)");
        }
        if (matches.size() > 1) {
            matches.sort(null);
            throw new DataFileException(dir, "several " + part + " " + kind + " files: " + matches
                    + "; keep one");
        }
        return matches.get(0);
    }
}
