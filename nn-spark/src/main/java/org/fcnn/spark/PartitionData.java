// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;

/**
 * One partition's training rows, validated and packed for the network: features {@code [rows x inputs]}
 * row-major as floats (as {@link org.fcnn.data.Dataset} keeps them) and labels in {@code [0, classes)}. Made once
 * per fit by {@link RowConverter} and cached on the executors; the global index of row {@code r} is the partition's
 * offset (the rows of all earlier partitions) plus {@code r}.
 */
public final class PartitionData implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    final int inputs;
    final int classes;
    final float[] features;
    final int[] labels;

    PartitionData(int partition, int rows, int inputs, int classes, float[] features, int[] labels) {
        this.partition = partition;
        this.rows = rows;
        this.inputs = inputs;
        this.classes = classes;
        this.features = features;
        this.labels = labels;
    }

    public int rows() {
        return rows;
    }

    /**
     * Copies the rows {@code local[0, count)} into {@code x [count x inputs]} and one-hot targets
     * {@code t [count x classes]}.
     */
    void gather(int[] local, int count, float[] x, float[] t) {
        gather(local, 0, count, x, t);
    }

    /** As {@link #gather(int[], int, float[], float[])} for the rows {@code local[from, from+count)}. */
    void gather(int[] local, int from, int count, float[] x, float[] t) {
        java.util.Arrays.fill(t, 0, count * classes, 0f);
        for (int i = 0; i < count; i++) {
            int r = local[from + i];
            System.arraycopy(features, r * inputs, x, i * inputs, inputs);
            t[i * classes + labels[r]] = 1f;
        }
    }
}
