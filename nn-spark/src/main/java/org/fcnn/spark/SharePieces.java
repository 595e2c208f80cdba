// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.HashMap;
import java.util.Map;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;

/**
 * A share's gradient sum ({@link Network#accumulateGradients}) in pieces of about {@value #PIECE} rows, for both
 * exact modes alike, so that they stay equal bit for bit.
 *
 * <p>Why: a partition's share of a random global batch has another row count nearly every step, and a
 * {@code Network} keeps buffers for a few row counts only, so one call per share allocates a new set at each step
 * and the product loops meet new array lengths (measured on a Zen 4, 512 rows: 4.3-10.7 ms per gradient with
 * varying counts against 2.8-3.3 ms with a fixed count). Cut into {@code k} pieces ({@code count / PIECE}
 * rounded, at least 1), all but the last of exactly {@value #PIECE} rows, the last of the rest (between half and
 * one and a half pieces), a share reuses the network's buffers for {@value #PIECE} rows, and only the last piece's
 * row count varies, as a batch of 256 on two partitions always did. A share of up to 1.5 pieces is one call, as
 * before.
 *
 * <p>Keeps the gathered rows' arrays per row count between calls; one instance serves one thread.
 */
final class SharePieces {
    /** The rows of each piece but the last. */
    static final int PIECE = 128;

    private final Map<Integer, float[][]> buffers = new HashMap<>();

    /** The number of pieces for a share of {@code count > 0} rows. */
    static int pieces(int count) {
        return Math.max(1, (count + PIECE / 2) / PIECE);
    }

    /**
     * Adds the gradient sums at {@code net}'s parameters of the rows {@code local[0, count)} of {@code data} to
     * {@code sum}, piece by piece in that order.
     */
    void accumulate(Network net, PartitionData data, int[] local, int count, Gradients sum) {
        int k = pieces(count);
        for (int p = 0, from = 0; p < k; p++) {
            int rows = p < k - 1 ? PIECE : count - from;
            float[][] xt = buffers(rows, data);
            data.gather(local, from, rows, xt[0], xt[1]);
            net.accumulateGradients(xt[0], xt[1], rows, sum);
            from += rows;
        }
    }

    /** The network takes arrays of exactly the piece's rows: one pair per row count (at most 64 kept). */
    private float[][] buffers(int rows, PartitionData data) {
        float[][] xt = buffers.get(rows);
        if (xt == null) {
            if (buffers.size() >= 64) {
                buffers.clear();
            }
            xt = new float[][] {new float[rows * data.inputs], new float[rows * data.classes]};
            buffers.put(rows, xt);
        }
        return xt;
    }
}
