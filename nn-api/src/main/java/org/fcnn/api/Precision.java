// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/** The floating-point format a network's parameters and activations are stored and computed in. */
public enum Precision {
    /** IEEE 754 binary32 ({@code float}): half the memory, the fast path on GPUs. */
    FLOAT32(Float.BYTES),
    /** IEEE 754 binary64 ({@code double}): reproduces the tutorial to ten digits. */
    FLOAT64(Double.BYTES);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Parses {@code float32}/{@code float}/{@code f32} or {@code float64}/{@code double}/{@code f64}. */
    public static Precision parse(String text) {
        switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "float32": case "float": case "f32": case "fp32": return FLOAT32;
            case "float64": case "double": case "f64": case "fp64": return FLOAT64;
            default: throw new IllegalArgumentException(
                    "unknown precision '" + text + "': expected float32 or float64");
        }
    }
}
