// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.Objects;

/**
 * Everything a {@link Network}'s training changes, as plain arrays: the trainable parameters, the optimizer's
 * per-parameter state (momentum's velocity; Adam's first and second moments) and the number of optimizer steps
 * taken (Adam's bias correction uses it). Read with {@link Network#trainingState()}, put back with
 * {@link Network#setTrainingState(TrainingState)}, e.g. to average replicas trained apart (local SGD).
 *
 * <p>Every array has the layout of {@link Gradients}: per layer its weights {@code [out x in]} row-major, then its
 * bias {@code [out]} when trainable. {@code optimizerState[s]} is state slot {@code s} (see
 * {@link Optimizer#stateSlots()}): velocity for momentum; {@code m} then {@code v} for Adam. The arrays are not
 * copied; a state is a value only if its holder does not change them.
 */
public record TrainingState(Optimizer.Kind kind, double[] parameters, double[][] optimizerState, long steps) {

    /**
     * @throws IllegalArgumentException if an array is null, the slots do not fit {@code kind}, the arrays' lengths
     *                                  differ, or {@code steps < 0}
     */
    public TrainingState {
        Objects.requireNonNull(kind, "kind");
        if (parameters == null || optimizerState == null) {
            throw new IllegalArgumentException("training state: parameters and optimizer state must be non-null");
        }
        int slots = kind == Optimizer.Kind.ADAM ? 2 : kind == Optimizer.Kind.MOMENTUM ? 1 : 0;
        if (optimizerState.length != slots) {
            throw new IllegalArgumentException("training state: " + kind + " keeps " + slots + " state slots, got "
                    + optimizerState.length);
        }
        for (int s = 0; s < slots; s++) {
            if (optimizerState[s] == null || optimizerState[s].length != parameters.length) {
                throw new IllegalArgumentException("training state: slot " + s + " needs " + parameters.length
                        + " values, got " + (optimizerState[s] == null ? "null" : optimizerState[s].length));
            }
        }
        if (steps < 0) {
            throw new IllegalArgumentException("training state: steps must be >= 0, got " + steps);
        }
    }
}
