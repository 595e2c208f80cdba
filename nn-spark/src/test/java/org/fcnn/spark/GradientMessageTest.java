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
        assertEquals(GradientMessage.HEADER + 8 * values.length, m.length(), "one character per byte, 8 per double");
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

    /**
     * A float32 network's share sums are its float mean gradient times the rows: sent as those floats (4 bytes each)
     * and read back as the same doubles, also through addTo and addScaledTo.
     */
    @Test
    void sumsThatAreFloatsTimesTheSamplesTakeFourBytesEachAndComeBackTheSame() {
        float[] means = {0.1f, -0.0f, 0.0f, 1e-30f, -3.75f, 123456.7f, Float.MIN_VALUE};
        int rows = 137;
        double[] sums = new double[means.length];
        for (int i = 0; i < means.length; i++) {
            sums[i] = 0.0 + rows * (double) means[i]; // as Gradients.accumulate makes them from zero
        }
        GradientMessage out = new GradientMessage();
        String m = out.encode(0, 4, rows, 1, 2, sums, sums.length);
        assertEquals(GradientMessage.HEADER + 4 * sums.length, m.length());
        GradientMessage in = new GradientMessage().decode(m);
        assertEquals(GradientMessage.FLOATS_TIMES_SAMPLES, in.format());
        double[] total = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
        in.addTo(total);
        double[] scaled = new double[3];
        in.addScaledTo(scaled, 4, 0.3);
        for (int i = 0; i < sums.length; i++) {
            assertEquals(Double.doubleToRawLongBits(sums[i]), Double.doubleToRawLongBits(in.value(i)), "value " + i);
            assertEquals(0.5 + sums[i], total[i], 0, "sum " + i);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(0.3 * sums[4 + i], scaled[i], 0, "scaled " + i);
        }
        double[] off = sums.clone();
        off[5] = Math.nextUp(off[5]); // no longer a float times 137
        GradientMessage back = new GradientMessage().decode(out.encode(0, 4, rows, 1, 2, off, off.length));
        assertEquals(GradientMessage.DOUBLES, back.format());
        assertEquals(off[5], back.value(5), 0);
    }

    /**
     * A float32 network's states are floats exactly: sent as 4 bytes each, and read back as the same
     * doubles; one value that is not a float (or a NaN, whose payload a float cannot keep) sends them all as doubles.
     */
    @Test
    void valuesThatAreAllFloatsTakeFourBytesEachAndComeBackTheSame() {
        double[] floats = {1.5f, -0.0f, 0.1f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, 3e-39f};
        GradientMessage out = new GradientMessage();
        String m = out.encode(1, 2, 3, 4, 5, floats, floats.length);
        assertEquals(GradientMessage.HEADER + 4 * floats.length, m.length());
        GradientMessage in = new GradientMessage().decode(m);
        assertEquals(GradientMessage.FLOATS, in.format());
        double[] total = new double[floats.length];
        in.addTo(total);
        double[] scaled = new double[2];
        in.addScaledTo(scaled, 2, 0.5);
        for (int i = 0; i < floats.length; i++) {
            assertEquals(Double.doubleToRawLongBits(floats[i]), Double.doubleToRawLongBits(in.value(i)), "value " + i);
            assertEquals(Double.doubleToRawLongBits(0 + floats[i]), Double.doubleToRawLongBits(total[i]), "sum " + i);
        }
        assertEquals(0.5 * floats[2], scaled[0], 0);
        assertEquals(0.5 * floats[3], scaled[1], 0);

        double[] oneDouble = floats.clone();
        oneDouble[4] = 0.1; // not a float
        assertEquals(GradientMessage.HEADER + 8 * floats.length, out.encode(1, 2, 3, 4, 5, oneDouble, 7).length());
        assertEquals(0.1, new GradientMessage().decode(out.encode(1, 2, 3, 4, 5, oneDouble, 7)).value(4), 0);
        double[] nan = floats.clone();
        nan[6] = Double.longBitsToDouble(NAN_PAYLOAD);
        GradientMessage back = new GradientMessage().decode(out.encode(1, 2, 3, 4, 5, nan, 7));
        assertEquals(GradientMessage.DOUBLES, back.format());
        assertEquals(NAN_PAYLOAD, Double.doubleToRawLongBits(back.value(6)), "the NaN's payload");
        // the float buffer filled by the failed attempts does not leak into the next all-float message
        assertEquals(1.5, new GradientMessage().decode(out.encode(1, 2, 3, 4, 5, floats, 7)).value(0), 0);
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

    /**
     * sumInto adds block by block what zeroing and addTo / addScaledTo message after message add: the same bits,
     * over more values than one block, with messages of all three formats and an empty one skipped.
     */
    @Test
    void sumIntoMakesTheAdditionsOfAddToAndAddScaledToBitForBit() {
        int n = 5000; // more than one block of 2048
        java.util.Random r = new java.util.Random(7);
        double[] doubles = new double[n];
        double[] floats = new double[n];
        double[] timesRows = new double[n];
        for (int i = 0; i < n; i++) {
            doubles[i] = r.nextGaussian();
            floats[i] = (float) r.nextGaussian();
            timesRows[i] = 31 * (double) (float) r.nextGaussian();
        }
        GradientMessage out = new GradientMessage();
        String[] sent = {out.encode(0, 1, 5, 0, 0, doubles, n), out.encode(1, 1, 0, 0, 0, null, 0),
                out.encode(2, 1, 9, 0, 0, floats, n), out.encode(3, 1, 31, 0, 0, timesRows, n)};
        GradientMessage[] in = new GradientMessage[sent.length];
        for (int k = 0; k < sent.length; k++) {
            in[k] = new GradientMessage().decode(sent[k]);
        }
        assertEquals(GradientMessage.DOUBLES, in[0].format());
        assertEquals(GradientMessage.FLOATS, in[2].format());
        assertEquals(GradientMessage.FLOATS_TIMES_SAMPLES, in[3].format());

        double[] sums = new double[n];
        GradientMessage.sumInto(in, null, 0, sums);
        double[] expected = new double[n];
        for (int k : new int[] {0, 2, 3}) {
            in[k].addTo(expected);
        }
        double[] weights = {0.25, 0.5, 0.125, 0.125};
        double[] segment = new double[n - 100];
        java.util.Arrays.fill(segment, 42); // overwritten, not added to
        GradientMessage.sumInto(in, weights, 100, segment);
        double[] expectedSegment = new double[n - 100];
        for (int k : new int[] {0, 2, 3}) {
            in[k].addScaledTo(expectedSegment, 100, weights[k]);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(sums[i]), "sum " + i);
        }
        for (int i = 0; i < n - 100; i++) {
            assertEquals(Double.doubleToRawLongBits(expectedSegment[i]), Double.doubleToRawLongBits(segment[i]),
                    "weighted sum " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> GradientMessage.sumInto(in, new double[3], 0, sums));
        assertThrows(IllegalArgumentException.class, () -> GradientMessage.sumInto(in, null, 1, new double[n]));
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
        // the format field (the header's last int, little-endian): an unknown one, or floats times no samples
        String floats = new GradientMessage().encode(1, 2, 0, 4, 5, new double[] {1, 2, 3}, 3);
        String head = floats.substring(0, GradientMessage.HEADER - 4);
        String tail = floats.substring(GradientMessage.HEADER - 3);
        String unknown = head + (char) 7 + tail;
        IllegalStateException format = assertThrows(IllegalStateException.class, () -> in.decode(unknown));
        assertTrue(format.getMessage().contains("format 7"), format.getMessage());
        String timesNothing = head + (char) GradientMessage.FLOATS_TIMES_SAMPLES + tail;
        assertThrows(IllegalStateException.class, () -> in.decode(timesNothing), "format 2 with 0 samples");
    }
}
