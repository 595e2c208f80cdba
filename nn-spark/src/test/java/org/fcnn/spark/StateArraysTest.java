// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.fcnn.api.Optimizer;
import org.fcnn.api.TrainingState;
import org.junit.jupiter.api.Test;

/** {@link StateArrays#digest()}: equal states, equal digests; a change of one bit anywhere changes it. */
class StateArraysTest {
    private static StateArrays adam(double p0, double m1, double v2, long steps) {
        return new StateArrays(new TrainingState(Optimizer.Kind.ADAM, new double[] {p0, 2, 3},
                new double[][] {{0.1, m1, 0.3}, {1e-3, 2e-3, v2}}, steps));
    }

    @Test
    void theDigestSeesEveryValueAndTheSteps() {
        long d = adam(1, 0.2, 3e-3, 7).digest();
        assertEquals(d, adam(1, 0.2, 3e-3, 7).digest(), "equal states");
        assertNotEquals(d, adam(Math.nextUp(1.0), 0.2, 3e-3, 7).digest(), "a parameter one ulp off");
        assertNotEquals(d, adam(1, Math.nextDown(0.2), 3e-3, 7).digest(), "a first moment");
        assertNotEquals(d, adam(1, 0.2, Math.nextUp(3e-3), 7).digest(), "a second moment");
        assertNotEquals(d, adam(1, 0.2, 3e-3, 8).digest(), "the step count");
        assertNotEquals(adam(0.0, 0.2, 3e-3, 7).digest(), adam(-0.0, 0.2, 3e-3, 7).digest(), "0.0 and -0.0");
        StateArrays sgd = new StateArrays(new TrainingState(Optimizer.Kind.SGD, new double[] {1, 2, 3},
                new double[0][], 7));
        assertNotEquals(d, sgd.digest());
    }
}
