// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.fcnn.api.Network;

/**
 * Scores one partition with one network: borrows a network of the model's architecture on the executor, sets the
 * broadcast parameters once, and runs the rows through it in chunks of {@value #CHUNK}, lazily (the partition is
 * never held whole). Each output row is the input row followed by the requested columns ({@link #RAW}: the
 * log-probabilities, {@link #PROBABILITY}: the softmax output, {@link #PREDICTION}: the class). A null or
 * wrong-size features vector, or a non-finite feature, fails the task with a {@link FcnnInputException} naming the
 * column.
 */
public final class PredictPartition implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    /** Rows per network call. */
    public static final int CHUNK = 1024;
    public static final int RAW = 0;
    public static final int PROBABILITY = 1;
    public static final int PREDICTION = 2;
    /** log of the smallest normal double: the raw score of a probability that underflowed to 0. */
    private static final double LOG_FLOOR = Math.log(Double.MIN_NORMAL);

    private final NetworkSpec spec;
    private final Broadcast<double[]> parameters;
    private final int featuresIndex;
    private final String featuresCol;
    private final int[] kinds;
    private final double[] thresholds;

    public PredictPartition(NetworkSpec spec, Broadcast<double[]> parameters, int featuresIndex, String featuresCol,
                            int[] kinds, double[] thresholds) {
        this.spec = spec;
        this.parameters = parameters;
        this.featuresIndex = featuresIndex;
        this.featuresCol = featuresCol;
        this.kinds = kinds.clone();
        this.thresholds = thresholds == null ? null : thresholds.clone();
    }

    /** {@code features} as an array of {@code inputs} finite values, or an exception naming the column. */
    public static double[] checked(Vector features, int inputs, String column, String where) {
        if (features == null) {
            throw new FcnnInputException("column '" + column + "', " + where + ": expected a vector of " + inputs
                    + " values, found null");
        }
        if (features.size() != inputs) {
            throw new FcnnInputException("column '" + column + "', " + where + ": expected a vector of size " + inputs
                    + ", found size " + features.size());
        }
        double[] x = features.toArray();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw new FcnnInputException("column '" + column + "', " + where + ", element " + i
                        + ": expected a finite value, found " + x[i]);
            }
        }
        return x;
    }

    /** Natural logs of probabilities, floored at {@code log(Double.MIN_NORMAL)} where one underflowed. */
    public static double[] logs(double[] p) {
        double[] raw = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            raw[i] = p[i] > 0 ? Math.max(LOG_FLOOR, Math.log(p[i])) : LOG_FLOOR;
        }
        return raw;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Scored(rows);
    }

    private final class Scored implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final List<Row> in = new ArrayList<>(CHUNK);
        private final int inputs = spec.inputs();
        private final int classes = spec.classes();
        private final double[] x = new double[CHUNK * inputs];
        private final double[] p = new double[CHUNK * classes];
        private Network net;
        private int next;
        private long seen;

        Scored(Iterator<Row> rows) {
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            if (next < in.size()) {
                return true;
            }
            if (!rows.hasNext()) {
                release();
                return false;
            }
            fill();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row row = in.get(next);
            int i = next++;
            Object[] values = new Object[row.size() + kinds.length];
            for (int c = 0; c < row.size(); c++) {
                values[c] = row.get(c);
            }
            double[] prob = new double[classes];
            System.arraycopy(p, i * classes, prob, 0, classes);
            for (int k = 0; k < kinds.length; k++) {
                values[row.size() + k] = switch (kinds[k]) {
                    case RAW -> Vectors.dense(logs(prob));
                    case PROBABILITY -> Vectors.dense(prob);
                    default -> (double) predict(prob);
                };
            }
            return RowFactory.create(values);
        }

        private int predict(double[] prob) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < prob.length; c++) {
                double s = thresholds == null ? prob[c] : (thresholds[c] == 0 ? Double.POSITIVE_INFINITY : prob[c] / thresholds[c]);
                if (s > bestScore) {
                    bestScore = s;
                    best = c;
                }
            }
            return best;
        }

        private void fill() {
            in.clear();
            next = 0;
            while (in.size() < CHUNK && rows.hasNext()) {
                Row row = rows.next();
                Vector v = row.isNullAt(featuresIndex) ? null : (Vector) row.get(featuresIndex);
                double[] f = checked(v, inputs, featuresCol, "row " + seen + " of partition " + partition());
                System.arraycopy(f, 0, x, in.size() * inputs, inputs);
                in.add(row);
                seen++;
            }
            if (net == null) {
                net = ExecutorNetworks.borrow(spec);
                net.setParameters(parameters.value());
                TaskContext ctx = TaskContext.get();
                if (ctx != null) {
                    ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> release());
                }
            }
            int n = in.size();
            if (n == CHUNK) {
                net.predict(x, n, p);
            } else {
                double[] xs = new double[n * inputs];
                double[] ps = new double[n * classes];
                System.arraycopy(x, 0, xs, 0, xs.length);
                net.predict(xs, n, ps);
                System.arraycopy(ps, 0, p, 0, ps.length);
            }
        }

        private int partition() {
            TaskContext ctx = TaskContext.get();
            return ctx == null ? -1 : ctx.partitionId();
        }

        private void release() {
            if (net != null) {
                ExecutorNetworks.release(spec, net);
                net = null;
            }
        }
    }
}
