// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One partition's share of one step in the barrier mode, as the {@code String} that
 * {@code BarrierTaskContext.allGather} carries: the partition, the step, the share's sample count, loss sum and
 * compute time, and its gradient sums ({@code count} values in the layout of {@link org.fcnn.api.Gradients}, none
 * for an empty share). The barrier local-steps mode sends a partition's training state after a round the same way
 * ({@link BarrierLocalStage}: the step field holds the round, the values the parameters followed by each optimizer
 * slot).
 *
 * <p>Encoding: the bytes, little-endian, {@code int partition, long step, long samples, double lossSum,
 * long computeNanos, int count, int format, values} ({@value #HEADER} bytes of header), taken as ISO-8859-1
 * characters, one per byte. A Java string of characters 0..255 is stored one byte per character (compact strings),
 * so making it and reading it back are array copies. The values are sent in the first of three formats that holds
 * them all exactly: {@code count} floats {@code f} (format 1) where each value is a float, as a float32 network's
 * parameters and optimizer state are; {@code count} floats {@code f} standing for {@code (double) f * samples}
 * (format 2) where each value is that, as a float32 network's gradient sums of a share computed in one call are
 * (the backend's float mean gradient times the rows; see {@link SharePieces}); else {@code count} doubles (format 0), keeping their raw bits (NaN payloads,
 * {@code -0.0}). Lossless in each case: every value reads back as the same bits, in float32 with half the bytes to
 * send and copy.
 *
 * <p>Call order: {@link #encode} on the sending side; on the receiving side {@link #decode} each message into a
 * {@code GradientMessage}, read its header fields, then {@link #addTo}, {@link #addScaledTo} or {@link #value}, or
 * add several messages decoded into their own instances with {@link #sumInto}. An
 * instance reuses its buffers between calls, so it serves one thread, and what {@link #decode} read is valid until
 * the next call.
 */
final class GradientMessage {
    /** Bytes before the values. */
    static final int HEADER = 4 + 8 + 8 + 8 + 8 + 4 + 4;
    /** Values sent as doubles. */
    static final int DOUBLES = 0;
    /** Values sent as floats. */
    static final int FLOATS = 1;
    /** Values sent as floats {@code f}, each standing for {@code (double) f * samples}. */
    static final int FLOATS_TIMES_SAMPLES = 2;
    private static final VarHandle DOUBLE_VIEW = MethodHandles.byteArrayViewVarHandle(double[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT_VIEW = MethodHandles.byteArrayViewVarHandle(float[].class,
            ByteOrder.LITTLE_ENDIAN);

    private byte[] bytes = new byte[0];
    private ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    private float[] floats = new float[0];

    private int partition;
    private long step;
    private long samples;
    private double lossSum;
    private long computeNanos;
    private int count;
    private int format;
    private double scale;
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
        int f = count == 0 ? DOUBLES : toFloats(values, count, 1) ? FLOATS
                : samples > 0 && toFloats(values, count, samples) ? FLOATS_TIMES_SAMPLES : DOUBLES;
        int length = HEADER + width(f) * count;
        ensure(length);
        buffer.clear();
        buffer.putInt(partition).putLong(step).putLong(samples).putDouble(lossSum).putLong(computeNanos).putInt(count)
                .putInt(f);
        // little-endian views, as the buffer: bulk copies on x86 and ARM
        if (f != DOUBLES) {
            buffer.asFloatBuffer().put(floats, 0, count);
        } else if (count > 0) {
            buffer.asDoubleBuffer().put(values, 0, count);
        }
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether every one of {@code values[0, count)} is {@code (double) f * scale} for a float {@code f}, bit for bit
     * (so none is NaN); if so, the floats are in {@link #floats}.
     */
    private boolean toFloats(double[] values, int count, double scale) {
        if (floats.length < count) {
            floats = new float[count];
        }
        double inverse = 1 / scale;
        for (int i = 0; i < count; i++) {
            double v = values[i];
            float f = (float) (v * inverse);
            if (Double.doubleToRawLongBits((double) f * scale) != Double.doubleToRawLongBits(v)) {
                return false; // not such a float (a NaN's payload only a double keeps)
            }
            floats[i] = f;
        }
        return true;
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
        format = buffer.getInt();
        if (count < 0 || format < DOUBLES || format > FLOATS_TIMES_SAMPLES
                || (format == FLOATS_TIMES_SAMPLES && samples <= 0)
                || (long) HEADER + (long) width(format) * count != length) {
            throw new IllegalStateException("gradient message of partition " + partition + ", step " + step + ": "
                    + length + " bytes do not hold the " + count + " values of format " + format + " it announces");
        }
        scale = format == FLOATS_TIMES_SAMPLES ? samples : 1;
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
        return format == DOUBLES ? buffer.getDouble(HEADER + 8 * i) : (double) buffer.getFloat(HEADER + 4 * i) * scale;
    }

    /**
     * Adds the values of the message read last to {@code total[0, count)}, element by element in index order
     * ({@code total[i] += value(i)}, the additions {@link org.fcnn.api.Gradients#add} makes).
     *
     * @throws IllegalArgumentException if {@code total} is shorter than {@link #count()}
     */
    void addTo(double[] total) {
        checkRead();
        if (total.length < count) {
            throw new IllegalArgumentException("cannot add " + count + " values to " + total.length);
        }
        addRange(total, 0, 0, count, 1, false);
    }

    /**
     * Adds {@code w} times the values {@code [offset, offset + into.length)} of the message read last to
     * {@code into}, element by element in index order ({@code into[i] += w * value(offset + i)}: the local-steps
     * mode's weighted average of the partitions' states, one segment (the parameters, an optimizer slot) at a time).
     *
     * @throws IllegalArgumentException if the segment does not lie within the values
     */
    void addScaledTo(double[] into, int offset, double w) {
        checkRead();
        checkSegment(offset, into.length);
        addRange(into, 0, offset, into.length, w, true);
    }

    /**
     * Sets {@code into[i]} to the sum over {@code messages} (each {@link #decode}d into its own instance, in the
     * order to add them) of {@code weights[k] * value(offset + i)} of message {@code k}, from 0, skipping the
     * messages without samples (an empty share, a partition without rows): the same additions, bit for bit, as
     * zeroing {@code into} and calling {@link #addScaledTo} ({@link #addTo} when {@code weights} is null: no
     * multiplication) on each message in turn, made block by block so that {@code into} is written once.
     *
     * @param weights one per message, or null for plain sums
     * @throws IllegalArgumentException if a message with samples does not hold the segment, or the weights do not
     *                                  match the messages
     */
    static void sumInto(GradientMessage[] messages, double[] weights, int offset, double[] into) {
        if (weights != null && weights.length != messages.length) {
            throw new IllegalArgumentException(weights.length + " weights for " + messages.length + " messages");
        }
        for (GradientMessage m : messages) {
            if (m.samples != 0) {
                m.checkRead();
                m.checkSegment(offset, into.length);
            }
        }
        final int block = 2048; // 16 KiB of into: stays in L1 while every message adds its part
        for (int from = 0; from < into.length; from += block) {
            int n = Math.min(block, into.length - from);
            java.util.Arrays.fill(into, from, from + n, 0);
            for (int k = 0; k < messages.length; k++) {
                GradientMessage m = messages[k];
                if (m.samples != 0) {
                    m.addRange(into, from, offset + from, n, weights == null ? 1 : weights[k], weights != null);
                }
            }
        }
    }

    /** {@code into[at + i] += (scaled ? w * v : v)} for the values {@code v = value(first + i)}, {@code i < n}. */
    private void addRange(double[] into, int at, int first, int n, double w, boolean scaled) {
        byte[] b = bytes; // read in place: the values' bytes, little-endian, from HEADER on
        if (format != DOUBLES) {
            double k = scale;
            int p = HEADER + 4 * first;
            if (scaled) {
                for (int i = 0; i < n; i++, p += 4) {
                    into[at + i] += w * ((double) (float) FLOAT_VIEW.get(b, p) * k);
                }
            } else {
                for (int i = 0; i < n; i++, p += 4) {
                    into[at + i] += (double) (float) FLOAT_VIEW.get(b, p) * k;
                }
            }
        } else {
            int p = HEADER + 8 * first;
            if (scaled) {
                for (int i = 0; i < n; i++, p += 8) {
                    into[at + i] += w * (double) DOUBLE_VIEW.get(b, p);
                }
            } else {
                for (int i = 0; i < n; i++, p += 8) {
                    into[at + i] += (double) DOUBLE_VIEW.get(b, p);
                }
            }
        }
    }

    private void checkRead() {
        if (!valuesRead) {
            throw new IllegalStateException("the values of a peeked message are not read");
        }
    }

    private void checkSegment(int offset, int length) {
        if (offset < 0 || (long) offset + length > count) {
            throw new IllegalArgumentException("values [" + offset + ", " + ((long) offset + length)
                    + ") of a message of " + count + " (partition " + partition + ")");
        }
    }

    /** The format of the message read last: {@link #DOUBLES}, {@link #FLOATS} or {@link #FLOATS_TIMES_SAMPLES}. */
    int format() {
        return format;
    }

    private static int width(int format) {
        return format == DOUBLES ? 8 : 4;
    }

    private void ensure(int length) {
        if (bytes.length < length) {
            bytes = new byte[length];
            buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
