// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.Locale;

/**
 * What training minimises. Over a mini-batch of {@code n} samples the loss is the mean over samples of
 * the per-sample loss, and gradients carry the matching {@code 1/n}.
 */
public enum Loss {
    /**
     * The tutorial's {@code E = 1/2 sum_j (T_j - O_j)^2} per sample. Gradient with respect to the output
     * {@code O}: {@code (O - T) / n}.
     */
    SQUARED_ERROR,
    /**
     * {@code -sum_j T_j log P_j} per sample, where {@code P} is the softmax output. Requires a
     * {@link Activation#SOFTMAX} output layer; its gradient is taken with respect to the softmax's input,
     * {@code (P - T) / n}, which is exact and numerically stable.
     */
    SOFTMAX_CROSS_ENTROPY;

    /** The lower-case name used on command lines and in model files. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code squared_error} (or {@code mse}) and {@code softmax_cross_entropy} (or {@code cross_entropy}). */
    public static Loss parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        switch (t) {
            case "squared_error": case "mse": return SQUARED_ERROR;
            case "softmax_cross_entropy": case "cross_entropy": return SOFTMAX_CROSS_ENTROPY;
            default: throw new IllegalArgumentException(
                    "unknown loss '" + text + "': expected squared_error or softmax_cross_entropy");
        }
    }
}
