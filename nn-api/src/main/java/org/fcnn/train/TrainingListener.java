// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

/**
 * Receives the events of a {@link Trainer} run, in this order: {@code onTrainingStart -> (onEpochStart ->
 * onBatchEnd... -> onEpochEnd)... -> onTrainingEnd}. All methods run on the training thread, between batches,
 * and do nothing by default; keep them quick (a progress bar, a log line, a metrics push).
 *
 * <p>A listener stops training with {@link TrainingRun#requestStop(String)}: the current batch finishes, the
 * epoch is closed (validation runs, {@code onEpochEnd} is called) and the run ends with
 * {@link TrainingResult.StopReason#REQUESTED}. Another thread may also call it, e.g. a "cancel" button.
 *
 * <p>An exception thrown by a listener ends the run and propagates out of {@link Trainer#fit}.
 */
public interface TrainingListener {

    /** Before the first epoch. */
    default void onTrainingStart(TrainingRun run) {
    }

    /** At the start of {@code epoch} (1-based), with the learning rate the schedule chose for it. */
    default void onEpochStart(TrainingRun run, int epoch, double learningRate) {
    }

    /**
     * After each mini-batch's update. {@code progress} is one object reused for every batch of the run: read
     * what you need during the call, do not keep it.
     */
    default void onBatchEnd(TrainingRun run, BatchProgress progress) {
    }

    /** After each epoch, with its training and validation figures. */
    default void onEpochEnd(TrainingRun run, EpochResult result) {
    }

    /** After the last epoch (also after a stop, not after an exception), with the whole history. */
    default void onTrainingEnd(TrainingRun run, TrainingResult result) {
    }
}
