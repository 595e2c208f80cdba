// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * A network's dense layers as a {@link Predictor} keeps them: copied onto the predictor's backend when it is
 * made, then only read ({@linkplain Backend#freeze frozen}, so that the backend may lay them out for fast
 * reading, and so that no call can write them by mistake). Per layer {@code i}: the weights {@code W_i [out_i x in_i]}, the bias
 * {@code b_i [1 x out_i]} or {@code null} for none, and the activation {@code f_i}; {@code sizes} is the
 * input size, then each layer's size.
 */
final class FrozenLayers {
    final Backend backend;
    final Precision precision;
    final int[] sizes;
    final Matrix[] weights;
    final Matrix[] biases;
    final Activation[] activations;

    private FrozenLayers(Backend backend, Precision precision, int[] sizes, Matrix[] weights, Matrix[] biases,
                         Activation[] activations) {
        this.backend = backend;
        this.precision = precision;
        this.sizes = sizes;
        this.weights = weights;
        this.biases = biases;
        this.activations = activations;
    }

    /**
     * Copies {@code network}'s parameters onto {@code backend} in the network's precision (float32 values go
     * through {@code double} and back, which is exact).
     *
     * @throws IllegalArgumentException if {@code backend} does not support the network's precision
     */
    static FrozenLayers copy(Network network, Backend backend) {
        Precision precision = network.precision();
        if (!backend.supports(precision)) {
            throw new IllegalArgumentException("backend " + backend.name() + " (" + backend.device()
                    + ") does not support " + precision + ", the network's precision");
        }
        int count = network.layers().size();
        Matrix[] weights = new Matrix[count];
        Matrix[] biases = new Matrix[count];
        Activation[] activations = new Activation[count];
        FrozenLayers frozen = new FrozenLayers(backend, precision, network.sizes(), weights, biases, activations);
        try {
            for (int i = 0; i < count; i++) {
                Layer layer = network.layer(i);
                weights[i] = backend.allocate(layer.outputs(), layer.inputs(), precision);
                backend.write(weights[i], layer.weights(), 0);
                backend.freeze(weights[i]);
                if (layer.bias().isPresent()) {
                    biases[i] = backend.allocate(1, layer.outputs(), precision);
                    backend.write(biases[i], layer.biases(), 0);
                    backend.freeze(biases[i]);
                }
                activations[i] = layer.activation();
            }
            return frozen;
        } catch (RuntimeException e) {
            frozen.close();
            throw e;
        }
    }

    int count() {
        return weights.length;
    }

    int inputSize() {
        return sizes[0];
    }

    int outputSize() {
        return sizes[sizes.length - 1];
    }

    /** Frees the parameters (unless the backend is already closed, which freed them). */
    void close() {
        for (Matrix[] ms : new Matrix[][] {weights, biases}) {
            for (Matrix m : ms) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }
}
