// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One partition's share of one step in the barrier mode, as the {@code String} that
 * {@code BarrierTaskContext.allGather} carries: the partition, the step, the share's sample count, loss sum and
 * compute time, and its gradient sums ({@code count} doubles in the layout of {@link org.fcnn.api.Gradients}, none
 * for an empty share). The barrier local-steps mode sends a partition's training state after a round the same way
 * ({@link BarrierLocalEpoch}: the step field holds the round, the values the parameters followed by each optimizer
 * slot).
 *
 * <p>Encoding: the bytes, little-endian, {@code int partition, long step, long samples, double lossSum,
 * long computeNanos, int count, double[count] values} ({@value #HEADER} bytes of header), taken as ISO-8859-1
 * characters, one per byte. A Java string of characters 0..255 is stored one byte per character (compact strings),
 * so making it and reading it back are array copies. Doubles keep their raw bits (NaN payloads, {@code -0.0}).
 *
 * <p>Call order: {@link #encode} on the sending side; on the receiving side {@link #decode} each message into a
 * {@code GradientMessage}, read its header fields, then {@link #addTo}, {@link #addScaledTo} or {@link #value}. An
 * instance reuses its buffers between calls, so it serves one thread, and what {@link #decode} read is valid until
 * the next call.
 */
final class GradientMessage {
    /** Bytes before the values. */
    static final int HEADER = 4 + 8 + 8 + 8 + 8 + 4;

    private byte[] bytes = new byte[0];
    private ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    private double[] scratch = new double[0];

    private int partition;
    private long step;
    private long samples;
    private double lossSum;
    private long computeNanos;
    private int count;
    private boolean valuesRead;

    /**
     * The message of a share: {@code values[0, count)} ({@code count} 0 and {@code values} possibly null for an
     * empty share).
     *
     * @throws IllegalArgumentException if {@code count} is negative or exceeds {@code values}' length
     */
    String encode(int partition, long step, long samples, double lossSum, long computeNanos, double[] values,
                  int count) {
        if (count < 0 || (count > 0 && (values == null || values.length < count))) {
            throw new IllegalArgumentException("gradient message: " + count + " values from an array of "
                    + (values == null ? "null" : values.length));
        }
        int length = HEADER + 8 * count;
        ensure(length);
        buffer.clear();
        buffer.putInt(partition).putLong(step).putLong(samples).putDouble(lossSum).putLong(computeNanos).putInt(count);
        if (count > 0) {
            DoubleBuffer d = buffer.asDoubleBuffer(); // little-endian, as the buffer: a bulk copy on x86 and ARM
            d.put(values, 0, count);
        }
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads {@code message} (made by {@link #encode}) into this instance.
     *
     * @throws IllegalStateException if it is not such a message (a character above 255, a length that does not
     *                               fit its count)
     */
    GradientMessage decode(String message) {
        return read(message, message.length());
    }

    /**
     * Reads only the header of {@code message} (its fields, not its values: {@link #addTo} and {@link #value} then
     * fail), checking the length as {@link #decode} does.
     */
    GradientMessage peek(String message) {
        return read(message, Math.min(HEADER, message.length()));
    }

    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) is the copy without a new array we want here
    private GradientMessage read(String message, int copy) {
        int length = message.length();
        if (length < HEADER) {
            throw new IllegalStateException("gradient message of " + length + " bytes, shorter than its "
                    + HEADER + "-byte header");
        }
        ensure(copy);
        // The low 8 bits of each character: exact for the ISO-8859-1 characters encode makes.
        message.getBytes(0, copy, bytes, 0);
        valuesRead = copy == length;
        buffer.clear();
        partition = buffer.getInt();
        step = buffer.getLong();
        samples = buffer.getLong();
        lossSum = buffer.getDouble();
        computeNanos = buffer.getLong();
        count = buffer.getInt();
        if (count < 0 || (long) HEADER + 8L * count != length) {
            throw new IllegalStateException("gradient message of partition " + partition + ", step " + step + ": "
                    + length + " bytes do not hold the " + count + " values it announces");
        }
        for (int i = 0; i < HEADER; i++) {
            if (message.charAt(i) > 255) {
                throw new IllegalStateException("gradient message: character " + i + " is not a byte");
            }
        }
        return this;
    }

    int partition() {
        return partition;
    }

    long step() {
        return step;
    }

    long samples() {
        return samples;
    }

    double lossSum() {
        return lossSum;
    }

    long computeNanos() {
        return computeNanos;
    }

    /** Number of values: 0 for an empty share, else the network's parameter count. */
    int count() {
        return count;
    }

    /** Value {@code i} of the message read last. */
    double value(int i) {
        if (!valuesRead) {
            throw new IllegalStateException("the values of a peeked message are not read");
        }
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("value " + i + " of " + count);
        }
        return buffer.getDouble(HEADER + 8 * i);
    }

    /**
     * Adds the values of the message read last to {@code total[0, count)}, element by element in index order
     * ({@code total[i] += value(i)}, the additions {@link org.fcnn.api.Gradients#add} makes).
     *
     * @throws IllegalArgumentException if {@code total} is shorter than {@link #count()}
     */
    void addTo(double[] total) {
        if (!valuesRead) {
            throw new IllegalStateException("the values of a peeked message are not read");
        }
        if (total.length < count) {
            throw new IllegalArgumentException("cannot add " + count + " values to " + total.length);
        }
        if (scratch.length < count) {
            scratch = new double[count];
        }
        buffer.position(HEADER);
        buffer.asDoubleBuffer().get(scratch, 0, count);
        for (int i = 0; i < count; i++) {
            total[i] += scratch[i];
        }
    }

    /**
     * Adds {@code w} times the values {@code [offset, offset + into.length)} of the message read last to
     * {@code into}, element by element in index order ({@code into[i] += w * value(offset + i)}: the local-steps
     * mode's weighted average of the partitions' states, one segment (the parameters, an optimizer slot) at a time).
     *
     * @throws IllegalArgumentException if the segment does not lie within the values
     */
    void addScaledTo(double[] into, int offset, double w) {
        if (!valuesRead) {
            throw new IllegalStateException("the values of a peeked message are not read");
        }
        if (offset < 0 || (long) offset + into.length > count) {
            throw new IllegalArgumentException("values [" + offset + ", " + ((long) offset + into.length)
                    + ") of a message of " + count);
        }
        if (scratch.length < into.length) {
            scratch = new double[into.length];
        }
        buffer.position(HEADER + 8 * offset);
        buffer.asDoubleBuffer().get(scratch, 0, into.length);
        for (int i = 0; i < into.length; i++) {
            into[i] += w * scratch[i];
        }
    }

    private void ensure(int length) {
        if (bytes.length < length) {
            bytes = new byte[length];
            buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
