// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.fcnn.data.IdxDatasets;

/**
 * A directory of MNIST-family IDX files as {@code (features: Vector of pixel/255, label: double)} DataFrames whose
 * rows are read <em>on the executors</em>: the driver ships the directory once with {@code SparkContext.addFile}
 * (file by file; so it needs to exist on the driver only) and parallelizes only the partition numbers; partition {@code p} of
 * {@code P} reads the files ({@link IdxDatasets#loadDirectory}, once per executor JVM) and makes the rows
 * {@code [p*N/P, (p+1)*N/P)} of the first {@code N} ({@code limit}, or all).
 *
 * <p>Why: parallelizing 60,000 driver-made {@code Row}s puts every row into the tasks' partitions
 * ({@code ParallelCollectionPartition}), so each task of every later job over that data, cached or not, carries
 * its slice (137 MB per task for Fashion-MNIST on 2 partitions): the demo spent most of its time serializing it.
 * Here the tasks carry one integer.
 *
 * <p>Call order: {@link #ship} once per session and directory, then {@link #train}/{@link #test}.
 */
final class IdxFrames {
    private static final StructType SCHEMA = new StructType(new StructField[] {
            new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});

    /** The last directory an executor JVM read, kept for its other partitions (the demo reads one directory). */
    private static Path loadedDir;
    private static IdxDatasets.TrainTest loaded;

    private IdxFrames() {
    }

    /**
     * Ships the files of {@code dir} to the executors ({@code addFile} per file: Spark refuses a local directory
     * on a non-local master); they read them from {@code SparkFiles.getRootDirectory()}.
     *
     * @throws IOException if {@code dir} cannot be listed
     */
    static IdxFrames ship(SparkSession spark, Path dir) throws IOException {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(java.nio.file.Files::isRegularFile).sorted()::iterator) {
                spark.sparkContext().addFile(f.toAbsolutePath().toString());
            }
        }
        return new IdxFrames();
    }

    /** The training images, the first {@code limit} of them ({@code <= 0}: all), in {@code partitions} partitions. */
    Dataset<Row> train(SparkSession spark, int partitions, int limit) {
        return frame(spark, partitions, true, limit);
    }

    /** The test images in {@code partitions} partitions. */
    Dataset<Row> test(SparkSession spark, int partitions) {
        return frame(spark, partitions, false, 0);
    }

    private Dataset<Row> frame(SparkSession spark, int partitions, boolean train, int limit) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> parts = IntStream.range(0, partitions).boxed().toList();
        JavaRDD<Row> rows = sc.parallelize(parts, partitions).mapPartitions(
                (FlatMapFunction<Iterator<Integer>, Row>) it -> rows(train, limit, partitions, it));
        return spark.createDataFrame(rows, SCHEMA);
    }

    /** The rows of partition {@code p} (the one element of {@code it}), made one at a time. */
    private static Iterator<Row> rows(boolean train, int limit, int partitions, Iterator<Integer> it) {
        if (!it.hasNext()) {
            return java.util.Collections.emptyIterator();
        }
        int p = it.next();
        org.fcnn.data.Dataset d = read(Path.of(SparkFiles.getRootDirectory()), train);
        int n = limit > 0 ? Math.min(limit, d.size()) : d.size();
        int from = (int) ((long) p * n / partitions);
        int to = (int) ((long) (p + 1) * n / partitions);
        float[] f = d.features();
        int in = d.inputs();
        return IntStream.range(from, to).mapToObj(i -> {
            double[] v = new double[in];
            for (int j = 0; j < in; j++) {
                v[j] = f[i * in + j];
            }
            return RowFactory.create(Vectors.dense(v), (double) d.label(i));
        }).iterator();
    }

    private static synchronized org.fcnn.data.Dataset read(Path dir, boolean train) {
        if (!dir.equals(loadedDir)) {
            try {
                loaded = IdxDatasets.loadDirectory(dir, 10);
            } catch (IOException e) {
                throw new UncheckedIOException("reading the IDX files shipped to this executor, " + dir, e);
            }
            loadedDir = dir;
        }
        return train ? loaded.train() : loaded.test();
    }
}
