// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.fcnn.data.CsvReader;
import org.fcnn.data.Dataset;
import org.fcnn.data.IdxDatasets;
import picocli.CommandLine.Option;

/**
 * The options that say where data come from ({@code --data} and what a CSV file holds), shared by
 * {@code train} and {@code eval}, and the loading itself.
 */
final class DataOptions {
    static final String FASHION_MNIST = "fashion-mnist";
    /** System property that moves {@code --data fashion-mnist} to another directory. */
    static final String FASHION_MNIST_PROPERTY = "fcnn.fashionMnist.dir";

    @Option(names = "--data", paramLabel = "fashion-mnist|PATH", required = true,
            description = "fashion-mnist (the Debian package dataset-fashion-mnist, in " + "/usr/share/datasets/fashion-mnist), "
                    + "a directory of MNIST-style IDX files (train-/t10k-images-idx3-ubyte[.gz], ...-labels-idx1-ubyte[.gz]), "
                    + "or a CSV file: input columns, then an integer label column (or --targets K columns).")
    String data;

    @Option(names = "--targets", paramLabel = "K", defaultValue = "0",
            description = "CSV only: the last K columns are regression targets (squared error, identity output) "
                    + "instead of one class-label column (default: a label column).")
    int targets;

    @Option(names = "--classes", paramLabel = "K", defaultValue = "0",
            description = "Number of classes (default: the largest label plus one).")
    int classes;

    @Option(names = "--csv-header", paramLabel = "auto|yes|no", defaultValue = "auto",
            description = "CSV only: whether the first line is a header (default: ${DEFAULT-VALUE}, "
                    + "a first line without any number is a header).")
    String csvHeader;

    /** Loaded data: where from, the training (or whole) set, the test set when the source has one. */
    record Loaded(String description, Dataset train, Dataset test, List<String> classNames, boolean idx) {
    }

    /**
     * Where {@code --data fashion-mnist} looks: {@link IdxDatasets#FASHION_MNIST}, unless the system property
     * {@value #FASHION_MNIST_PROPERTY} names another directory.
     */
    static Path fashionMnistDirectory() {
        String dir = System.getProperty(FASHION_MNIST_PROPERTY);
        return dir == null || dir.isBlank() ? IdxDatasets.FASHION_MNIST : Path.of(dir);
    }

    /** Loads {@code --data}. */
    Loaded load() throws IOException {
        Path path;
        String description;
        if (data.trim().equalsIgnoreCase(FASHION_MNIST)) {
            path = fashionMnistDirectory();
            if (!Files.isDirectory(path)) {
                throw new NoSuchFileException(path.toString(), null, "Fashion-MNIST is not installed here; install it "
                        + "with 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu), or download the four "
                        + "IDX files and pass their directory as --data DIR");
            }
            description = "Fashion-MNIST (" + path + ")";
        } else {
            path = Path.of(data);
            description = path.toString();
        }
        if (Files.isDirectory(path)) {
            if (targets > 0) {
                throw new IllegalArgumentException("--targets is for CSV files; IDX directories hold class labels");
            }
            IdxDatasets.TrainTest tt = IdxDatasets.loadDirectory(path, classes);
            boolean fashion = path.equals(fashionMnistDirectory())
                    || path.toString().toLowerCase(Locale.ROOT).contains("fashion");
            return new Loaded(description, tt.train(), tt.test(),
                    fashion && tt.train().classes() == 10 ? IdxDatasets.FASHION_MNIST_CLASSES : null, true);
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or directory; --data takes "
                    + "fashion-mnist, a directory of IDX files or a CSV file");
        }
        CsvReader reader = targets > 0 ? CsvReader.targetColumns(targets) : CsvReader.labelColumn();
        if (classes > 0) {
            if (targets > 0) {
                throw new IllegalArgumentException("--classes and --targets exclude each other");
            }
            reader = reader.withClasses(classes);
        }
        switch (csvHeader.trim().toLowerCase(Locale.ROOT)) {
            case "auto": break;
            case "yes": case "true": reader = reader.withHeader(true); break;
            case "no": case "false": reader = reader.withHeader(false); break;
            default: throw new IllegalArgumentException("--csv-header must be auto, yes or no, got " + csvHeader);
        }
        return new Loaded(description, reader.read(path), null, null, false);
    }
}
