// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.fcnn.train.LearningRateSchedule;

/**
 * How {@link SparkTrainer} trains: epochs, global mini-batch size, the seed of the batch order (as
 * {@link org.fcnn.train.Trainer}'s), the learning-rate schedule, the {@link TrainingMode} and, for
 * {@link TrainingMode#LOCAL_STEPS}, the steps per round.
 */
public record TrainingConfig(int epochs, int batchSize, long seed, LearningRateSchedule schedule, TrainingMode mode,
                             int localSteps) {
    /** @throws IllegalArgumentException naming the bad value */
    public TrainingConfig {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (schedule == null || mode == null) {
            throw new IllegalArgumentException("schedule and mode must be non-null");
        }
        if (localSteps <= 0) {
            throw new IllegalArgumentException("local steps must be positive, got " + localSteps);
        }
    }

    /** The schedule called {@code constant} or {@code cosine}. */
    public static LearningRateSchedule schedule(String name) {
        return switch (name) {
            case "constant" -> LearningRateSchedule.constant();
            case "cosine" -> LearningRateSchedule.cosine();
            default -> throw new IllegalArgumentException("schedule must be constant or cosine, got " + name);
        };
    }
}
