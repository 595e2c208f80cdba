// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.SplittableRandom;
import org.fcnn.data.Dataset;

/**
 * The global row order of each epoch, as {@link org.fcnn.train.Trainer} makes it: the rows {@code 0..n-1} (numbered
 * in partition order), shuffled in place once per epoch by one {@code SplittableRandom(seed)}
 * ({@link Dataset#shuffle}), so epoch {@code e}'s order depends on every shuffle before it. The exact mode's driver
 * walks it epoch by epoch; a barrier task replays it from epoch 1 to the first epoch of its stage.
 *
 * <p>Call order: {@link #next()} once per epoch, from epoch 1 on. One instance serves one thread; the array
 * returned is this instance's own and changes with the next call.
 */
final class EpochOrder {
    private final int[] order;
    private final SplittableRandom random;
    private int epoch;

    /** The order for {@code n} rows and the fit's {@code seed}, before epoch 1. */
    EpochOrder(long seed, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("row count must be >= 0, got " + n);
        }
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        random = new SplittableRandom(seed);
    }

    /** The next epoch's order (epoch 1's on the first call). */
    int[] next() {
        Dataset.shuffle(order, random);
        epoch++;
        return order;
    }

    /**
     * Epoch {@code target}'s order (1-based), shuffling through the epochs in between.
     *
     * @throws IllegalArgumentException if {@code target} is not after the epoch returned last
     */
    int[] advanceTo(int target) {
        if (target <= epoch) {
            throw new IllegalArgumentException("epoch " + target + "'s order: epoch " + epoch + " was reached already");
        }
        while (epoch < target) {
            next();
        }
        return order;
    }

    /** The epoch whose order {@link #next()} or {@link #advanceTo} returned last (0 before the first call). */
    int epoch() {
        return epoch;
    }
}
