// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
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
     * A 64-bit digest of the kind, step count and every value's bits ({@link Double#doubleToRawLongBits}), for
     * checking that replicas hold the same state without sending it: equal states give equal digests; a state
     * that differs anywhere gives another digest but with a chance of about 2^-64.
     */
    long digest() {
        long h = mix(kind.ordinal() * 0x9E3779B97F4A7C15L ^ steps);
        h = digest(h, parameters);
        for (double[] slot : optimizerState) {
            h = digest(h, slot);
        }
        return h;
    }

    private static long digest(long h, double[] values) {
        h = mix(h ^ values.length);
        for (double v : values) {
            h = mix(h ^ Double.doubleToRawLongBits(v));
        }
        return h;
    }

    /** A bijective 64-bit mix (the finalizer of SplitMix64, after a multiplication). */
    private static long mix(long z) {
        z *= 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
