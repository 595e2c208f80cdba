// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * Gradients of a {@link Network}'s trainable parameters as one flat array, with the loss and the number of
 * samples they came from: what data-parallel training moves between machines.
 *
 * <p>Layout ({@link Network#parameters()} uses the same): for each layer {@code i} in order, its weight
 * gradient {@code dW_i [out_i x in_i]} row-major, then, if its bias is trainable, its bias gradient
 * {@code db_i [out_i]}; {@link Network#parameterCount()} values in all.
 *
 * <p>Call order for one synchronous data-parallel step: on each worker, {@link #zeros(Network)} (or
 * {@link #clear()}), then {@link Network#accumulateGradients} once per share of the global batch, which adds
 * the share's gradient <em>sum</em> (the mean times its rows) and loss sum; then the sums are added with
 * {@link #add(Gradients)} in a fixed order; then {@link Network#step(Gradients)} applies their mean (sum / samples)
 * once. Not thread-safe.
 */
public final class Gradients {
    private final double[] values;
    private double lossSum;
    private long samples;

    private Gradients(double[] values, double lossSum, long samples) {
        this.values = values;
        this.lossSum = lossSum;
        this.samples = samples;
    }

    /** Zero gradients with {@code network}'s layout, from no samples. */
    public static Gradients zeros(Network network) {
        Objects.requireNonNull(network, "network");
        return new Gradients(new double[checkedCount(network.parameterCount())], 0, 0);
    }

    /**
     * Gradient sums in the layout above, e.g. received from another machine. The array is used, not copied.
     *
     * @throws IllegalArgumentException if {@code values} is null, {@code samples < 0}, or a value or the loss sum
     *                                  is not finite
     */
    public static Gradients of(double[] values, double lossSum, long samples) {
        if (values == null) {
            throw new IllegalArgumentException("gradient values are null");
        }
        if (samples < 0) {
            throw new IllegalArgumentException("samples must be >= 0, got " + samples);
        }
        if (!Double.isFinite(lossSum)) {
            throw new IllegalArgumentException("loss sum must be finite, got " + lossSum);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("gradient value " + i + " is " + values[i] + "; values must be finite");
            }
        }
        return new Gradients(values, lossSum, samples);
    }

    static int checkedCount(long count) {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a network of " + count + " parameters does not fit one array");
        }
        return (int) count;
    }

    /** The values (live, not a copy): gradient sums after {@link Network#accumulateGradients}. */
    public double[] values() {
        return values;
    }

    /** Number of values, the network's {@link Network#parameterCount()}. */
    public int size() {
        return values.length;
    }

    /** The sum of the per-sample losses of the samples accumulated. */
    public double lossSum() {
        return lossSum;
    }

    /** Number of samples accumulated. */
    public long samples() {
        return samples;
    }

    /** The mean loss of the samples accumulated ({@code NaN} with none). */
    public double meanLoss() {
        return samples == 0 ? Double.NaN : lossSum / samples;
    }

    /**
     * Adds {@code other}'s values, loss sum and samples to these, element by element.
     *
     * @throws IllegalArgumentException if the sizes differ
     */
    public Gradients add(Gradients other) {
        Objects.requireNonNull(other, "other");
        if (other.values.length != values.length) {
            throw new IllegalArgumentException("cannot add gradients of " + other.values.length + " values to "
                    + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            values[i] += other.values[i];
        }
        lossSum += other.lossSum;
        samples += other.samples;
        return this;
    }

    /** Sets every value, the loss sum and the sample count to 0. */
    public void clear() {
        Arrays.fill(values, 0);
        lossSum = 0;
        samples = 0;
    }

    /** Adds {@code scale * g} to the values, and one share's mean {@code loss} over {@code rows} samples. */
    void accumulate(double[] g, double scale, double loss, int rows) {
        for (int i = 0; i < values.length; i++) {
            values[i] += scale * g[i];
        }
        lossSum += loss * rows;
        samples += rows;
    }

    @Override
    public String toString() {
        return "Gradients(" + values.length + " values, " + samples + " samples, mean loss " + meanLoss() + ")";
    }
}
