// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import java.util.Random;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;

/** The networks of the predictor benchmarks, named by their sizes. */
final class PredictorNetworks {
    private PredictorNetworks() {
    }

    /**
     * {@code 784-256-10}: ReLU, softmax (a Fashion-MNIST classifier); {@code 16-64-1}: ReLU, identity (a small
     * regression). float32, the default (He) initialisation with seed 42.
     */
    static Network build(String sizes, String backend) {
        Network.Builder b = Network.builder().precision(Precision.FLOAT32).backend(backend);
        switch (sizes) {
            case "784-256-10":
                return b.input(784).dense(256, Activation.RELU).dense(10, Activation.SOFTMAX).build();
            case "16-64-1":
                return b.input(16).dense(64, Activation.RELU).dense(1, Activation.IDENTITY).build();
            default:
                throw new IllegalArgumentException("unknown network " + sizes + "; use 784-256-10 or 16-64-1");
        }
    }

    /** {@code n} samples of {@code width} values in [0, 1), row-major. */
    static float[] inputs(int width, int n, Random random) {
        float[] x = new float[width * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        return x;
    }
}
