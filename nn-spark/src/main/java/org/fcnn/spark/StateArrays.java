// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
import org.fcnn.api.Optimizer;
import org.fcnn.api.TrainingState;

/** A {@link TrainingState} as plain serializable arrays, for a broadcast to the local-steps mode's tasks. */
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
}
