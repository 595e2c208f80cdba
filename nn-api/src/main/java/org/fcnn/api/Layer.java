// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * A dense (fully connected) layer of a {@link Network}: {@code A = f(X * W^T + b)}, with weights
 * {@code W [outputs x inputs]} (row = output node, as in the tutorial and PyTorch's {@code nn.Linear}),
 * a per-node bias {@code b [outputs]} (trainable, frozen or absent, see {@link Bias}) and an
 * {@link Activation} {@code f}. Optionally, inverted dropout is applied to its output while training.
 *
 * <p>Parameters live on the network's backend; the accessors here copy them to and from plain Java
 * arrays. Layers are made by {@link Network.Builder} and closed with their network.
 */
public final class Layer {
    private final Backend backend;
    private final int index;
    private final int inputs;
    private final int outputs;
    private final Activation activation;
    private final Bias bias;
    private final double dropout;

    final Matrix weights;
    final Matrix biases;
    final Matrix weightGradient;
    final Matrix biasGradient;
    private final Precision precision;
    Matrix[] weightState;
    Matrix[] biasState;

    Layer(Backend backend, Precision precision, int index, int inputs, int outputs, Activation activation,
          Bias bias, double dropout, int stateSlots) {
        this.backend = backend;
        this.index = index;
        this.inputs = inputs;
        this.outputs = outputs;
        this.activation = activation;
        this.bias = bias;
        this.dropout = dropout;
        this.precision = precision;
        this.weights = backend.allocate(outputs, inputs, precision);
        this.weightGradient = backend.allocate(outputs, inputs, precision);
        if (bias.isPresent()) {
            this.biases = backend.allocate(1, outputs, precision);
            backend.fill(biases, bias.initialValue());
        } else {
            this.biases = null;
        }
        this.biasGradient = bias.isTrainable() ? backend.allocate(1, outputs, precision) : null;
        resetOptimizerState(stateSlots);
    }

    /** (Re)allocates zeroed optimizer state: {@code slots} matrices per trainable parameter. */
    void resetOptimizerState(int slots) {
        closeAll(weightState);
        closeAll(biasState);
        weightState = new Matrix[slots];
        biasState = new Matrix[biasGradient == null ? 0 : slots];
        for (int s = 0; s < slots; s++) {
            weightState[s] = backend.allocate(outputs, inputs, precision);
            if (biasGradient != null) {
                biasState[s] = backend.allocate(1, outputs, precision);
            }
        }
    }

    private static void closeAll(Matrix[] ms) {
        if (ms != null) {
            for (Matrix m : ms) {
                m.close();
            }
        }
    }

    /** Position in the network: 0 is the first layer after the input. */
    public int index() {
        return index;
    }

    /** Number of inputs (columns of {@code W}). */
    public int inputs() {
        return inputs;
    }

    /** Number of nodes (rows of {@code W}). */
    public int outputs() {
        return outputs;
    }

    public Activation activation() {
        return activation;
    }

    public Bias bias() {
        return bias;
    }

    /** Dropout rate applied to this layer's output while training (0 = none). */
    public double dropout() {
        return dropout;
    }

    /** A copy of the weights, row-major {@code [outputs x inputs]}: element {@code [j * inputs + i]} is W_ji. */
    public double[] weights() {
        return weights.toArray();
    }

    /** A copy of the weights as {@code outputs} rows of {@code inputs} values. */
    public double[][] weightRows() {
        double[] flat = weights();
        double[][] rows = new double[outputs][inputs];
        for (int j = 0; j < outputs; j++) {
            System.arraycopy(flat, j * inputs, rows[j], 0, inputs);
        }
        return rows;
    }

    /**
     * Sets the weights from a row-major {@code [outputs x inputs]} array (in float32 networks each value is
     * rounded to float).
     *
     * @throws IllegalArgumentException if the length is not {@code outputs * inputs} or a value is not finite
     */
    public void setWeights(double[] rowMajor) {
        requireLength("weights", rowMajor, outputs * inputs, "[" + outputs + " x " + inputs + "]");
        backend.write(weights, rowMajor, 0);
    }

    /** Sets the weights from {@code outputs} rows of {@code inputs} values each. */
    public void setWeights(double[][] rows) {
        if (rows == null || rows.length != outputs) {
            throw new IllegalArgumentException("layer " + index + ": weights need " + outputs + " rows, got "
                    + (rows == null ? "null" : rows.length));
        }
        double[] flat = new double[outputs * inputs];
        for (int j = 0; j < outputs; j++) {
            if (rows[j] == null || rows[j].length != inputs) {
                throw new IllegalArgumentException("layer " + index + ": weight row " + j + " needs " + inputs
                        + " values, got " + (rows[j] == null ? "null" : rows[j].length));
            }
            System.arraycopy(rows[j], 0, flat, j * inputs, inputs);
        }
        setWeights(flat);
    }

    /** A copy of the per-node biases {@code [outputs]}; zeros when the layer has no bias. */
    public double[] biases() {
        return biases == null ? new double[outputs] : biases.toArray();
    }

    /**
     * Sets the per-node biases (trainable or frozen).
     *
     * @throws IllegalStateException    if the layer was built with {@link Bias#none()}
     * @throws IllegalArgumentException if the length is not {@code outputs} or a value is not finite
     */
    public void setBiases(double[] values) {
        if (biases == null) {
            throw new IllegalStateException("layer " + index + " has no bias (built with Bias.none())");
        }
        requireLength("biases", values, outputs, "[" + outputs + "]");
        backend.write(biases, values, 0);
    }

    /** {@code dE/dW} from the last {@link Network#backward}, row-major {@code [outputs x inputs]}. */
    public double[] weightGradient() {
        return weightGradient.toArray();
    }

    /** {@code dE/db} from the last {@link Network#backward}; zeros when the bias is not trainable. */
    public double[] biasGradient() {
        return biasGradient == null ? new double[outputs] : biasGradient.toArray();
    }

    /** The weights on the backend, for kernels of your own; valid until the network is closed. */
    public Matrix weightMatrix() {
        return weights;
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        return (long) outputs * inputs + (bias.isTrainable() ? outputs : 0);
    }

    private void requireLength(String what, double[] values, int expected, String shape) {
        if (values == null || values.length != expected) {
            throw new IllegalArgumentException("layer " + index + ": " + what + " " + shape + " need " + expected
                    + " values, got " + (values == null ? "null" : values.length));
        }
    }

    void close() {
        weights.close();
        weightGradient.close();
        closeAll(weightState);
        if (biases != null) {
            biases.close();
        }
        if (biasGradient != null) {
            biasGradient.close();
        }
        closeAll(biasState);
    }

    @Override
    public String toString() {
        return "Dense(" + inputs + " -> " + outputs + ", " + activation.id() + ", bias " + bias
                + (dropout > 0 ? ", dropout " + dropout : "") + ")";
    }
}
