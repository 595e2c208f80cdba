// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DatasetTest {
    private static Dataset ten() {
        float[] x = new float[20];
        int[] y = new int[10];
        for (int i = 0; i < 10; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 3;
        }
        return Dataset.classification(x, 2, y, 3);
    }

    @Test
    void oneHotTargets() {
        Dataset d = ten();
        assertEquals(3, d.outputs());
        assertArrayEquals(new float[] {0, 0, 1}, Arrays.copyOfRange(d.targets(), 6, 9));
        assertArrayEquals(new int[] {4, 3, 3}, d.classCounts());
    }

    @Test
    void shuffleIsSeededAndKeepsRowsTogether() {
        Dataset a = ten().shuffled(7);
        Dataset b = ten().shuffled(7);
        assertArrayEquals(a.features(), b.features());
        assertFalse(Arrays.equals(a.features(), ten().features()));
        for (int i = 0; i < a.size(); i++) {
            assertEquals(-a.feature(i, 0), a.feature(i, 1), 0f);
            assertEquals(((int) a.feature(i, 0)) % 3, a.label(i));
        }
    }

    @Test
    void splitAndSubsets() {
        Dataset.Split s = ten().split(0.3);
        assertEquals(7, s.first().size());
        assertEquals(3, s.second().size());
        assertEquals(7f, s.second().feature(0, 0));
        assertEquals(3, ten().head(3).size());
        assertEquals(9f, ten().subset(new int[] {9, 0}).feature(0, 0));
        assertThrows(IllegalArgumentException.class, () -> ten().split(0.01));
        assertThrows(IllegalArgumentException.class, () -> ten().split(1));
    }

    @Test
    void gatherFillsReusedBuffers() {
        float[] x = new float[8];
        float[] t = new float[12];
        ten().gather(new int[] {5, 1, 2}, 1, 2, x, t);
        assertArrayEquals(new float[] {1, -1, 2, -2, 0, 0, 0, 0}, x);
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 1}, Arrays.copyOf(t, 6));
    }

    @Test
    void rejectsInconsistentInput() {
        assertThrows(IllegalArgumentException.class, () -> Dataset.classification(new float[3], 2, new int[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class, () -> Dataset.classification(new float[4], 2, new int[] {0, 2}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Dataset.regression(new float[] {1, Float.NaN}, 1, new float[] {1, 2}, 1));
    }

    @Test
    void limitsTheClassesOfTheOneHotTargets() {
        Dataset d = Dataset.classification(new float[] {1}, 1, new int[] {0}, Dataset.MAX_CLASSES);
        assertEquals(Dataset.MAX_CLASSES, d.outputs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification(new float[] {1}, 1, new int[] {0}, Dataset.MAX_CLASSES + 1));
        assertEquals("a classification set needs 2 to 65536 classes, got 65537", e.getMessage());
        // 40,000 samples of 65,536 classes: 2.6e9 one-hot values, more than an array holds (was an ArithmeticException).
        e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification(new float[40_000], 1, new int[40_000], Dataset.MAX_CLASSES));
        assertEquals("the one-hot targets of 40000 samples and 65536 classes (2621440000 values) do not fit in one "
                + "array", e.getMessage());
    }
}
