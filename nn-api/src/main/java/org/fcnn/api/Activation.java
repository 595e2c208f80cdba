// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.Locale;

/**
 * The function a dense layer applies to its pre-activation {@code Z = X * W^T + b}, element by element
 * (softmax: row by row).
 *
 * <p>Every derivative is taken from the activation's output {@code A = f(Z)}, so a layer keeps only
 * {@code A} for the backward pass.
 */
public enum Activation {
    /** {@code 1 / (1 + e^-z)}; derivative {@code a (1 - a)}. The tutorial's activation. */
    SIGMOID,
    /** {@code tanh z}; derivative {@code 1 - a^2}. */
    TANH,
    /** {@code max(0, z)}; derivative {@code 1} where {@code a > 0}, else {@code 0}. */
    RELU,
    /** {@code z}; derivative {@code 1}. For regression outputs. */
    IDENTITY,
    /**
     * Row-wise {@code e^z_j / sum_k e^z_k}, computed with the row maximum subtracted. For the output layer,
     * normally together with {@link Loss#SOFTMAX_CROSS_ENTROPY}, whose gradient is fused with it.
     */
    SOFTMAX;

    /** The lower-case name used on command lines and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a name such as {@code relu} or {@code SIGMOID}. */
    public static Activation parse(String text) {
        for (Activation a : values()) {
            if (a.id().equalsIgnoreCase(text.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + text
                + "': expected one of sigmoid, tanh, relu, identity, softmax");
    }
}
