// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.fcnn.api.Activation;
import org.fcnn.api.Gradients;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.junit.jupiter.api.Test;

/** {@link SharePieces}: how a share is cut, and that the pieces add up to the share's gradient sum. */
class SharePiecesTest {
    @Test
    void sharesUpToOneAndAHalfPiecesAreOneCallLargerOnesPiecesOf128AndARest() {
        assertEquals(1, SharePieces.pieces(1));
        assertEquals(1, SharePieces.pieces(191), "the batch-256 shares of two partitions stay one call");
        assertEquals(2, SharePieces.pieces(192));
        assertEquals(2, SharePieces.pieces(319));
        assertEquals(4, SharePieces.pieces(512));
        assertEquals(4, SharePieces.pieces(575));
        assertEquals(5, SharePieces.pieces(576));
    }

    /**
     * 300 rows in 2 pieces (128 + 172), taken in the order of {@code local}: the same sum as one call on the same
     * rows to 1e-12 in float64 (the pieces' sums are added in another order than one batch's), the same samples and
     * loss sum; and a second call with another row count reuses the buffers (the same result again).
     */
    @Test
    void piecesAddUpToTheSharesGradientSum() {
        SparkTestData d = new SparkTestData(400, 9);
        PartitionData data = new PartitionData(0, 400, SparkTestData.INPUTS, SparkTestData.CLASSES, d.features,
                d.labels);
        int[] local = new int[300];
        for (int i = 0; i < local.length; i++) {
            local[i] = (i * 7 + 3) % 400; // every row once at most, out of order
        }
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 6, SparkTestData.CLASSES},
                Activation.TANH, "sgd", 0.1, 0.9, 0, Precision.FLOAT64, 4, "cpu");
        try (Network net = spec.build()) {
            float[] x = new float[300 * SparkTestData.INPUTS];
            float[] t = new float[300 * SparkTestData.CLASSES];
            data.gather(local, 300, x, t);
            Gradients whole = Gradients.zeros(net);
            net.accumulateGradients(x, t, 300, whole);

            SharePieces pieces = new SharePieces();
            Gradients cut = Gradients.zeros(net);
            pieces.accumulate(net, data, local, 300, cut);
            assertEquals(300, cut.samples());
            assertEquals(whole.lossSum(), cut.lossSum(), 1e-9);
            assertArrayEquals(whole.values(), cut.values(), 1e-12);

            Gradients small = Gradients.zeros(net);
            pieces.accumulate(net, data, local, 150, small);
            Gradients again = Gradients.zeros(net);
            pieces.accumulate(net, data, local, 300, again);
            assertArrayEquals(cut.values(), again.values(), 0, "the same pieces give the same bits");
            assertEquals(150, small.samples());
        }
    }
}
