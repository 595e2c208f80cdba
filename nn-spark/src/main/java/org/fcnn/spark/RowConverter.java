// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Turns one partition of {@code (features, label)} rows into a {@link PartitionData}, checking every row first:
 * the features vector is present, has {@code inputs} values, all finite (and within float range); the label is
 * present, an integer and in {@code [0, classes)}. A bad row throws {@link FcnnInputException} naming the column,
 * the row, the expected and the found value; no row is dropped.
 */
final class RowConverter implements Function2<Integer, Iterator<Row>, Iterator<PartitionData>> {
    private static final long serialVersionUID = 1L;

    private final String featuresCol;
    private final String labelCol;
    private final int inputs;
    private final int classes;

    /** Rows with the features in column 0 and the label (a double) in column 1. */
    RowConverter(String featuresCol, String labelCol, int inputs, int classes) {
        this.featuresCol = featuresCol;
        this.labelCol = labelCol;
        this.inputs = inputs;
        this.classes = classes;
    }

    @Override
    public Iterator<PartitionData> call(Integer partition, Iterator<Row> rows) {
        List<float[]> features = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int r = 0;
        while (rows.hasNext()) {
            Row row = rows.next();
            String where = "row " + r + " of partition " + partition;
            features.add(features(row, where));
            labels.add(label(row, where));
            r++;
        }
        float[] x = new float[r * inputs];
        int[] y = new int[r];
        for (int i = 0; i < r; i++) {
            System.arraycopy(features.get(i), 0, x, i * inputs, inputs);
            y[i] = labels.get(i);
        }
        return List.of(new PartitionData(partition, r, inputs, classes, x, y)).iterator();
    }

    private float[] features(Row row, String where) {
        if (row.isNullAt(0)) {
            throw new FcnnInputException("column '" + featuresCol + "', " + where + ": expected a vector of " + inputs
                    + " values, found null");
        }
        Vector v = (Vector) row.get(0);
        if (v.size() != inputs) {
            throw new FcnnInputException("column '" + featuresCol + "', " + where + ": expected a vector of size "
                    + inputs + ", found size " + v.size());
        }
        float[] f = new float[inputs];
        for (int i = 0; i < inputs; i++) {
            double d = v.apply(i);
            float value = (float) d;
            if (!Float.isFinite(value)) {
                throw new FcnnInputException("column '" + featuresCol + "', " + where + ", element " + i
                        + ": expected a finite value, found " + d);
            }
            f[i] = value;
        }
        return f;
    }

    private int label(Row row, String where) {
        if (row.isNullAt(1)) {
            throw new FcnnInputException("column '" + labelCol + "', " + where + ": expected a class in 0.."
                    + (classes - 1) + ", found null");
        }
        double d = row.getDouble(1);
        if (d != Math.rint(d) || d < 0 || d >= classes) {
            throw new FcnnInputException("column '" + labelCol + "', " + where + ": expected an integer class in 0.."
                    + (classes - 1) + ", found " + d);
        }
        return (int) d;
    }
}
