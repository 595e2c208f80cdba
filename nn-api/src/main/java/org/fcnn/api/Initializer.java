// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.SplittableRandom;

/**
 * Fills a dense layer's weights {@code W [outputs x inputs]} (row-major) before training. The built-in
 * initialisers are seeded: the same seed gives the same weights on every backend and every run, and each
 * layer draws from its own stream derived from the seed and the layer's index.
 */
@FunctionalInterface
public interface Initializer {

    /**
     * Fills {@code weights} ({@code outputs * inputs} values, row-major) for layer {@code layerIndex}
     * (0 = the first hidden layer).
     */
    void initialize(int layerIndex, int inputs, int outputs, double[] weights);

    /** Glorot/Xavier uniform: {@code U(-sqrt(6/(in+out)), +sqrt(6/(in+out)))}. Suits sigmoid and tanh. */
    static Initializer xavier(long seed) {
        return (layer, in, out, w) -> {
            SplittableRandom r = stream(seed, layer);
            double limit = Math.sqrt(6.0 / (in + out));
            for (int i = 0; i < w.length; i++) {
                w[i] = (2 * r.nextDouble() - 1) * limit;
            }
        };
    }

    /** He/Kaiming normal: {@code N(0, 2/in)}. Suits ReLU. */
    static Initializer he(long seed) {
        return (layer, in, out, w) -> {
            SplittableRandom r = stream(seed, layer);
            double sd = Math.sqrt(2.0 / in);
            for (int i = 0; i < w.length; i++) {
                w[i] = gaussian(r) * sd;
            }
        };
    }

    /** The seeded stream of layer {@code layer}: independent of how many layers come before it. */
    private static SplittableRandom stream(long seed, int layer) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (layer + 1)));
    }

    /** A standard normal deviate (Marsaglia's polar method), defined here so results do not depend on the JDK. */
    private static double gaussian(SplittableRandom r) {
        double u;
        double v;
        double s;
        do {
            u = 2 * r.nextDouble() - 1;
            v = 2 * r.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
