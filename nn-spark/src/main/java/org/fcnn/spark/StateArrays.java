// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.fcnn.api.Optimizer;
import org.fcnn.api.TrainingState;

/**
 * A {@link TrainingState} as plain serializable arrays, for a broadcast to the local-steps and barrier modes' tasks
 * and for the barrier mode's results.
 */
final class StateArrays implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Optimizer.Kind kind;
    private final double[] parameters;
    private final double[][] optimizerState;
    private final long steps;

    StateArrays(TrainingState s) {
        this.kind = s.kind();
        this.parameters = s.parameters();
        this.optimizerState = s.optimizerState();
        this.steps = s.steps();
    }

    TrainingState toState() {
        return new TrainingState(kind, parameters, optimizerState, steps);
    }

    /**
     * Whether {@code other} holds the same kind, step count and values, compared by their bits
     * ({@link Double#doubleToLongBits}: {@code -0.0} differs from {@code 0.0}).
     */
    boolean sameBits(StateArrays other) {
        return kind == other.kind && steps == other.steps && Arrays.equals(parameters, other.parameters)
                && Arrays.deepEquals(optimizerState, other.optimizerState);
    }

    /** The first index where the parameters differ from {@code other}'s, or -1. */
    int firstDifference(StateArrays other) {
        return Arrays.mismatch(parameters, other.parameters);
    }
}
