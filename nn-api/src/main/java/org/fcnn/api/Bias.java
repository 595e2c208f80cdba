// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/**
 * How a dense layer's per-node bias {@code b [outputs]} behaves: trained like the weights, frozen at
 * given values, or absent. The tutorial's layers use {@code Bias.frozen(0.35)} and {@code Bias.frozen(0.60)}:
 * one value for every node, never trained. Per-node values can be set afterwards with
 * {@link Layer#setBiases(double[])}.
 */
public final class Bias {
    private enum Kind { TRAINABLE, FROZEN, NONE }

    private static final Bias NONE = new Bias(Kind.NONE, 0);
    private static final Bias TRAINABLE_ZERO = new Bias(Kind.TRAINABLE, 0);

    private final Kind kind;
    private final double initialValue;

    private Bias(Kind kind, double initialValue) {
        if (!Double.isFinite(initialValue)) {
            throw new IllegalArgumentException("bias value must be finite, got " + initialValue);
        }
        this.kind = kind;
        this.initialValue = initialValue;
    }

    /** A trained bias, starting at 0 for every node (the usual choice). */
    public static Bias trainable() {
        return TRAINABLE_ZERO;
    }

    /** A trained bias, starting at {@code initialValue} for every node. */
    public static Bias trainable(double initialValue) {
        return new Bias(Kind.TRAINABLE, initialValue);
    }

    /** A bias fixed at {@code value} for every node and never trained (the tutorial's K1 and K2). */
    public static Bias frozen(double value) {
        return new Bias(Kind.FROZEN, value);
    }

    /** No bias: {@code Z = X * W^T}. */
    public static Bias none() {
        return NONE;
    }

    /** Whether the layer adds a bias at all. */
    public boolean isPresent() {
        return kind != Kind.NONE;
    }

    /** Whether training updates the bias. */
    public boolean isTrainable() {
        return kind == Kind.TRAINABLE;
    }

    /** The value every node's bias starts at. */
    public double initialValue() {
        return initialValue;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bias b && b.kind == kind && Double.compare(b.initialValue, initialValue) == 0;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Double.hashCode(initialValue);
    }

    @Override
    public String toString() {
        switch (kind) {
            case NONE: return "none";
            case FROZEN: return "frozen(" + initialValue + ")";
            default: return "trainable(" + initialValue + ")";
        }
    }
}
