// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import java.util.List;

/**
 * What a {@link Trainer} run did: the per-epoch history, why it stopped, and which epoch's weights the network
 * holds at the end.
 *
 * @param history        one result per finished epoch
 * @param stopReason     why the run ended
 * @param stopMessage    a sentence for logs, e.g. "validation loss did not improve for 3 epochs"
 * @param bestEpoch      the epoch with the lowest validation loss (the last epoch without validation)
 * @param weightsOfEpoch the epoch whose weights the network holds now: {@code bestEpoch} when the best weights
 *                       were restored, otherwise the last epoch; 0 after {@link StopReason#DIVERGED} without
 *                       a restored copy, when the weights are unusable
 * @param seconds        wall time of the whole run
 */
public record TrainingResult(List<EpochResult> history, StopReason stopReason, String stopMessage, int bestEpoch,
                             int weightsOfEpoch, double seconds) {

    /** Why a run ended. */
    public enum StopReason {
        /** All configured epochs ran. */
        COMPLETED,
        /** The validation loss stopped improving for {@code patience} epochs. */
        EARLY_STOPPING,
        /** A listener or another thread called {@link TrainingRun#requestStop}. */
        REQUESTED,
        /**
         * The training loss became NaN or infinite (learning rate too high?). The network holds the best epoch's
         * weights when early stopping kept a copy ({@code weightsOfEpoch}); otherwise its weights are unusable.
         */
        DIVERGED
    }

    public TrainingResult {
        history = List.copyOf(history);
    }

    /** The last finished epoch's result, or null if none finished. */
    public EpochResult last() {
        return history.isEmpty() ? null : history.get(history.size() - 1);
    }

    /** The best epoch's result (see {@link #bestEpoch()}), or null if none finished. */
    public EpochResult best() {
        for (EpochResult r : history) {
            if (r.epoch() == bestEpoch) {
                return r;
            }
        }
        return last();
    }
}
