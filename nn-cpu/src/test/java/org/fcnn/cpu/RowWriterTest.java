// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.api.Test;

/**
 * {@link RowWriter} on two threads: a batch large enough to be shared ({@value #ROWS} rows of {@value #COLS}, past
 * {@link RowWriter#SHARED_ELEMENTS}, in pieces of {@link RowWriter#PIECE_ROWS} rows with a ragged last one) holds
 * the rows a gather copies, in float32 and float64 matrices; a NaN in any piece is named by its table row, whichever
 * thread meets it. The conformance suite checks the small calls, which stay on the calling thread.
 */
class RowWriterTest {
    private static final int ROWS = 301;
    private static final int COLS = 200;
    private static final int TABLE_ROWS = 1000;

    @Test
    void sharedBatchesHoldTheGatheredRows() {
        float[] table = table();
        int[] order = order();
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(2))) {
            for (Precision p : Precision.values()) {
                try (Matrix m = backend.allocate(ROWS, COLS, p)) {
                    backend.writeRows(m, table, order, 7);
                    float[] want = new float[ROWS * COLS];
                    for (int i = 0; i < ROWS; i++) {
                        System.arraycopy(table, order[7 + i] * COLS, want, i * COLS, COLS);
                    }
                    float[] got = new float[want.length];
                    backend.read(m, got, 0);
                    assertArrayEquals(want, got, p.toString());
                }
            }
        }
    }

    @Test
    void aNaNInAnyPieceIsNamedByItsRow() {
        float[] table = table();
        int[] order = order();
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(2));
             Matrix m = backend.allocate(ROWS, COLS, Precision.FLOAT32)) {
            for (int i : new int[] {0, RowWriter.PIECE_ROWS + 3, ROWS / 2, ROWS - 1}) {
                int row = order[7 + i];
                float[] bad = table.clone();
                bad[row * COLS + 11] = Float.NaN;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> backend.writeRows(m, bad, order, 7));
                assertTrue(e.getMessage().contains("value 11 of table row " + row), e.getMessage());
            }
        }
    }

    private static float[] table() {
        Random r = new Random(3);
        float[] table = new float[TABLE_ROWS * COLS];
        for (int i = 0; i < table.length; i++) {
            table[i] = r.nextFloat() - 0.5f;
        }
        return table;
    }

    /** A shuffled order of distinct table rows, longer than the batch. */
    private static int[] order() {
        int[] order = new int[TABLE_ROWS];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Random r = new Random(4);
        for (int i = order.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
