// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** A small seeded classification problem, as a DataFrame and as an fcnn {@link org.fcnn.data.Dataset}, row for row. */
public final class SparkTestData {
    static final int INPUTS = 5;
    static final int CLASSES = 3;
    public static final StructType SCHEMA = new StructType(new StructField[] {
            new StructField("features", SQLDataTypes.VectorType(), true, org.apache.spark.sql.types.Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, true, org.apache.spark.sql.types.Metadata.empty())});

    final float[] features;
    final int[] labels;

    /** {@code n} rows: features float-exact (so both sides see the same values), label from a linear rule. */
    public SparkTestData(int n, long seed) {
        Random r = new Random(seed);
        features = new float[n * INPUTS];
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < INPUTS; j++) {
                float v = (float) r.nextGaussian();
                features[i * INPUTS + j] = v;
                s += (j + 1) * v * (j % 2 == 0 ? 1 : -1);
            }
            labels[i] = s < -1 ? 0 : s < 1.5 ? 1 : 2;
        }
    }

    public org.fcnn.data.Dataset dataset() {
        return org.fcnn.data.Dataset.classification(features, INPUTS, labels, CLASSES);
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            double[] v = new double[INPUTS];
            for (int j = 0; j < INPUTS; j++) {
                v[j] = features[i * INPUTS + j];
            }
            rows.add(RowFactory.create(Vectors.dense(v), (double) labels[i]));
        }
        return rows;
    }

    /** The rows in {@code partitions} contiguous slices, in order. */
    public Dataset<Row> frame(SparkSession spark, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows(), partitions), SCHEMA);
    }

    /**
     * The rows in {@code sizes.length} contiguous slices of the given sizes (summing to the rows), in order; a size
     * may be 0. Every RDD of its lineage has that many partitions (a barrier stage allows no other).
     */
    public Dataset<Row> frame(SparkSession spark, int... sizes) {
        List<Row> all = rows();
        List<List<Row>> slices = new ArrayList<>();
        int from = 0;
        for (int size : sizes) {
            slices.add(new ArrayList<>(all.subList(from, from + size)));
            from += size;
        }
        if (from != all.size()) {
            throw new IllegalArgumentException("slice sizes sum to " + from + ", the rows are " + all.size());
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rdd = jsc.parallelize(slices, sizes.length).flatMap(List::iterator);
        return spark.createDataFrame(rdd, SCHEMA);
    }

    public static Dataset<Row> frame(SparkSession spark, List<Row> rows, StructType schema, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, partitions), schema);
    }

    /** A local session with the JVM options Spark needs on Java 17 (and the Vector API) on driver and executors. */
    public static SparkSession session(String master, String... conf) {
        String opts = System.getProperty("spark.java.options", "");
        SparkSession.Builder b = SparkSession.builder().master(master).appName("fcnn-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.extraJavaOptions", opts)
                .config("spark.executor.extraJavaOptions", opts);
        for (int i = 0; i + 1 < conf.length; i += 2) {
            b.config(conf[i], conf[i + 1]);
        }
        return b.getOrCreate();
    }

    public static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
