// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void constant() {
        LearningRateSchedule s = LearningRateSchedule.constant();
        for (int e = 1; e <= 5; e++) {
            assertEquals(0.01, s.learningRate(e, 5, 0.01));
        }
        assertEquals("constant", s.toString());
    }

    @Test
    void step() {
        LearningRateSchedule s = LearningRateSchedule.step(3, 0.1);
        double[] expected = {1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001};
        for (int e = 1; e <= 10; e++) {
            assertEquals(expected[e - 1], s.learningRate(e, 10, 1), 1e-15, "epoch " + e);
        }
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(1, 1.5));
    }

    @Test
    void cosine() {
        LearningRateSchedule s = LearningRateSchedule.cosine();
        assertEquals(0.1, s.learningRate(1, 4, 0.1), 1e-15);
        assertEquals(0.1 * (1 + Math.cos(Math.PI / 4)) / 2, s.learningRate(2, 4, 0.1), 1e-15);
        assertEquals(0.05, s.learningRate(3, 4, 0.1), 1e-15);
        assertEquals(0.1 * (1 + Math.cos(3 * Math.PI / 4)) / 2, s.learningRate(4, 4, 0.1), 1e-15);
        LearningRateSchedule m = LearningRateSchedule.cosine(0.1);
        assertEquals(0.1 + 0.9 * 0.5, m.learningRate(3, 4, 1), 1e-15);
    }
}
