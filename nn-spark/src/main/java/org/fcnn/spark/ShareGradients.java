// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;

/**
 * The exact mode's task for one step: the partition's share of the global batch {@code order[start, start+rows)}
 * (the batch's samples whose global index falls in this partition), its gradient sum at the broadcast parameters
 * ({@link SharePieces}).
 * A pure function of the broadcast values and the cached rows, so a retried task returns the same sums.
 */
final class ShareGradients implements FlatMapFunction<Iterator<PartitionData>, ShareResult> {
    private static final long serialVersionUID = 1L;

    private final NetworkSpec spec;
    private final Broadcast<double[]> parameters;
    private final Broadcast<int[]> order;
    private final Broadcast<long[]> offsets;
    private final int start;
    private final int rows;
    private final long step;
    private final String failTask;

    ShareGradients(NetworkSpec spec, Broadcast<double[]> parameters, Broadcast<int[]> order, Broadcast<long[]> offsets,
                   int start, int rows, long step, String failTask) {
        this.spec = spec;
        this.parameters = parameters;
        this.order = order;
        this.offsets = offsets;
        this.start = start;
        this.rows = rows;
        this.step = step;
        this.failTask = failTask;
    }

    /**
     * The share of the batch {@code order[start, start+rows)} in the partition of rows {@code [first, first+size)}
     * (global indexes): their partition-local indexes, in batch order, into {@code local}; returns how many.
     */
    static int share(int[] order, int start, int rows, long first, int size, int[] local) {
        long end = first + size;
        int count = 0;
        for (int i = start, last = start + rows; i < last; i++) {
            int g = order[i];
            if (g >= first && g < end) {
                local[count++] = (int) (g - first);
            }
        }
        return count;
    }

    @Override
    public Iterator<ShareResult> call(Iterator<PartitionData> it) {
        if (!it.hasNext()) {
            return List.<ShareResult>of().iterator();
        }
        PartitionData data = it.next();
        TestHooks.maybeFail(failTask, step, data.partition);
        long t0 = System.nanoTime();
        int[] local = new int[rows];
        int count = share(order.value(), start, rows, offsets.value()[data.partition], data.rows, local);
        if (count == 0) {
            return List.of(new ShareResult(data.partition, null, null, 0, 0, System.nanoTime() - t0, null)).iterator();
        }
        Network net = ExecutorNetworks.borrow(spec);
        try {
            net.setParameters(parameters.value());
            Gradients sum = Gradients.zeros(net);
            new SharePieces().accumulate(net, data, local, count, sum);
            return List.of(new ShareResult(data.partition, sum.values(), null, sum.lossSum(), sum.samples(),
                    System.nanoTime() - t0, ShareResult.describe(net))).iterator();
        } finally {
            ExecutorNetworks.release(spec, net);
        }
    }
}
