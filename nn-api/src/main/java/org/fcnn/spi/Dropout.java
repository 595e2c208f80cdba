// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

/**
 * The counter-based random numbers behind {@link Backend#dropout}: element {@code i} of a matrix is kept
 * or dropped by a hash of {@code (seed, i)} alone, so every backend, on any device and with any number of
 * threads, drops exactly the same elements for the same seed. Device kernels reimplement {@link #hash}
 * bit for bit (unsigned 32-bit arithmetic).
 */
public final class Dropout {
    private static final int BITS = 24;

    private Dropout() {
    }

    /** A well-mixed 32-bit hash of {@code (seed, index)} (the "lowbias32" finaliser of a Weyl step). */
    public static int hash(int seed, int index) {
        int x = index * 0x9E3779B9 ^ seed;
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    /**
     * The integer threshold for a drop {@code rate} in {@code [0, 1)}: an element is kept when the top 24
     * bits of its hash are at least this, so it is dropped with probability {@code rate} (to 2^-24).
     */
    public static int threshold(double rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        return (int) Math.ceil(rate * (1 << BITS));
    }

    /** Whether element {@code index} is kept for {@code seed} and {@code threshold}. */
    public static boolean keep(int seed, int index, int threshold) {
        return (hash(seed, index) >>> (32 - BITS)) >= threshold;
    }
}
