// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link GradientMessage}: what is encoded comes back bit for bit; a malformed message is refused. */
class GradientMessageTest {
    private static final long NAN_PAYLOAD = 0x7ff8_0000_0000_1234L;

    @Test
    void valuesAndHeaderRoundTripBitForBit() {
        double[] values = {1.5, -0.0, 0.0, Double.longBitsToDouble(NAN_PAYLOAD), Double.MIN_VALUE,
                -Double.MAX_VALUE, Double.NEGATIVE_INFINITY, Math.PI, 255, 1e-300};
        GradientMessage out = new GradientMessage();
        String m = out.encode(3, 1L << 40, 129, -7.25, 123_456_789L, values, values.length);
        assertEquals(GradientMessage.HEADER + 8 * values.length, m.length(), "one character per byte");
        assertTrue(m.chars().allMatch(c -> c <= 255));
        assertEquals(m.length(), m.getBytes(StandardCharsets.ISO_8859_1).length);
        GradientMessage in = new GradientMessage().decode(m);
        assertEquals(3, in.partition());
        assertEquals(1L << 40, in.step());
        assertEquals(129, in.samples());
        assertEquals(-7.25, in.lossSum());
        assertEquals(123_456_789L, in.computeNanos());
        assertEquals(values.length, in.count());
        for (int i = 0; i < values.length; i++) {
            assertEquals(Double.doubleToRawLongBits(values[i]), Double.doubleToRawLongBits(in.value(i)), "value " + i);
        }
        assertEquals(NAN_PAYLOAD, Double.doubleToRawLongBits(in.value(3)), "the NaN's payload");
    }

    @Test
    void addToAddsInIndexOrderAsGradientsAdd() {
        double[] a = {0.1, -0.0, 3, 1e16};
        double[] b = {0.2, -0.0, -3, 1};
        GradientMessage out = new GradientMessage();
        String ma = out.encode(0, 0, 1, 0, 0, a, a.length);
        String mb = out.encode(1, 0, 1, 0, 0, b, b.length); // the same encoder reused
        double[] total = new double[4];
        GradientMessage in = new GradientMessage();
        in.decode(ma).addTo(total);
        in.decode(mb).addTo(total);
        org.fcnn.api.Gradients ga = org.fcnn.api.Gradients.of(new double[4], 0, 0);
        ga.add(org.fcnn.api.Gradients.of(a.clone(), 0, 1)).add(org.fcnn.api.Gradients.of(b.clone(), 0, 1));
        for (int i = 0; i < 4; i++) {
            assertEquals(Double.doubleToRawLongBits(ga.values()[i]), Double.doubleToRawLongBits(total[i]), "value " + i);
        }
        assertEquals(0.1 + 0.2, total[0]);
        assertEquals(1e16, total[3], "1e16 + 1 rounds back to 1e16, as in Gradients.add");
    }

    @Test
    void addScaledToAddsOneSegmentTimesTheWeight() {
        // a state message: 3 parameters, then one optimizer slot of 3
        double[] state = {1, 2, 3, 10, 20, 30};
        String m = new GradientMessage().encode(1, 7, 12, 0.5, 0, state, state.length);
        GradientMessage in = new GradientMessage().decode(m);
        double[] params = {0.5, 0.5, 0.5};
        double[] slot = new double[3];
        in.addScaledTo(params, 0, 0.25);
        in.addScaledTo(slot, 3, 0.1);
        for (int i = 0; i < 3; i++) {
            assertEquals(0.5 + 0.25 * state[i], params[i], 0, "parameter " + i + ": into[i] += w * value, as the driver");
            assertEquals(0 + 0.1 * state[3 + i], slot[i], 0, "slot value " + i);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> in.addScaledTo(new double[3], 4, 1));
        assertTrue(e.getMessage().contains("[4, 7)") && e.getMessage().contains("of 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> in.addScaledTo(new double[1], -1, 1));
        GradientMessage peeked = new GradientMessage().peek(m);
        assertThrows(IllegalStateException.class, () -> peeked.addScaledTo(new double[3], 0, 1));
    }

    @Test
    void anEmptyShareHasOnlyItsHeader() {
        GradientMessage out = new GradientMessage();
        out.encode(0, 0, 5, 1, 0, new double[100], 100); // a larger message first: the buffer is reused
        String m = out.encode(2, 7, 0, 0, 42, null, 0);
        assertEquals(GradientMessage.HEADER, m.length());
        GradientMessage in = new GradientMessage().decode(m);
        assertEquals(2, in.partition());
        assertEquals(7, in.step());
        assertEquals(0, in.samples());
        assertEquals(0, in.count());
        assertEquals(42, in.computeNanos());
        double[] total = {1, 2};
        in.addTo(total);
        assertEquals(1, total[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> in.value(0));
    }

    @Test
    void peekReadsTheHeaderOnly() {
        String m = new GradientMessage().encode(1, 9, 4, 2, 3, new double[] {5, 6}, 2);
        GradientMessage in = new GradientMessage().peek(m);
        assertEquals(1, in.partition());
        assertEquals(9, in.step());
        assertEquals(2, in.count());
        assertThrows(IllegalStateException.class, () -> in.value(0));
        assertEquals(6, in.decode(m).value(1));
    }

    @Test
    void malformedMessagesAreRefused() {
        GradientMessage in = new GradientMessage();
        IllegalStateException shortOne = assertThrows(IllegalStateException.class, () -> in.decode("abc"));
        assertTrue(shortOne.getMessage().contains("header"), shortOne.getMessage());
        String m = new GradientMessage().encode(1, 2, 3, 4, 5, new double[] {1, 2, 3}, 3);
        IllegalStateException cut = assertThrows(IllegalStateException.class,
                () -> in.decode(m.substring(0, m.length() - 8)));
        assertTrue(cut.getMessage().contains("partition 1, step 2") && cut.getMessage().contains("3 values"),
                cut.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GradientMessage().encode(0, 0, 1, 0, 0, new double[2], 3));
    }
}
