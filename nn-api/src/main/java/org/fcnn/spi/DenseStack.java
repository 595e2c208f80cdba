// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import java.util.IdentityHashMap;
import java.util.Map;
import org.fcnn.api.Activation;
import org.fcnn.api.Precision;

/**
 * The matrices of a stack of dense layers for one batch size, as {@link Backend#sgdStep} takes them:
 * the input {@code X [n x in_0]} and target {@code T [n x out_last]}, and per layer {@code i} its weights
 * {@code W_i [out_i x in_i]}, bias {@code b_i [1 x out_i]} (or {@code null} for none), activation
 * {@code f_i}, output {@code A_i [n x out_i]}, error {@code delta_i [n x out_i]}, weight gradient
 * {@code dW_i [out_i x in_i]} and bias gradient {@code db_i [1 x out_i]} ({@code null} when the bias is
 * absent or frozen). Layer {@code i}'s input is {@code X} for the first layer and {@code A_(i-1)} after it.
 *
 * <p>Made once per batch size (the constructor checks every shape, precision, owner and that the
 * working matrices are distinct from each other and from the parameters), then passed to every step, so
 * a step allocates nothing and checks only that the matrices are still open. Holds references only:
 * writing {@code X} and {@code T} through the backend before each step is the caller's part.
 */
public final class DenseStack {
    private final Backend backend;
    private final Matrix input;
    private final Matrix target;
    private final Matrix[] weights;
    private final Matrix[] biases;
    private final Activation[] activations;
    private final Matrix[] outputs;
    private final Matrix[] deltas;
    private final Matrix[] weightGradients;
    private final Matrix[] biasGradients;

    /**
     * A stack of {@code weights.length} layers; the arrays are copied.
     *
     * @throws IllegalArgumentException naming the layer and matrix when a shape, precision or owner does not
     *                                  fit, an array has the wrong length, or two roles share a matrix
     */
    public DenseStack(Matrix input, Matrix target, Matrix[] weights, Matrix[] biases, Activation[] activations,
                      Matrix[] outputs, Matrix[] deltas, Matrix[] weightGradients, Matrix[] biasGradients) {
        if (input == null || target == null || weights == null || biases == null || activations == null
                || outputs == null || deltas == null || weightGradients == null || biasGradients == null) {
            throw new IllegalArgumentException("DenseStack: input, target and every array must be non-null");
        }
        int layers = weights.length;
        if (layers == 0) {
            throw new IllegalArgumentException("DenseStack: no layers");
        }
        for (Object[] a : new Object[][] {biases, activations, outputs, deltas, weightGradients, biasGradients}) {
            if (a.length != layers) {
                throw new IllegalArgumentException("DenseStack: " + layers + " layers of weights but an array of "
                        + a.length + " entries");
            }
        }
        this.backend = input.backend();
        this.input = input;
        this.target = target;
        this.weights = weights.clone();
        this.biases = biases.clone();
        this.activations = activations.clone();
        this.outputs = outputs.clone();
        this.deltas = deltas.clone();
        this.weightGradients = weightGradients.clone();
        this.biasGradients = biasGradients.clone();
        validate();
    }

    private void validate() {
        Precision p = input.precision();
        int n = input.rows();
        int in = input.cols();
        Map<Matrix, String> roles = new IdentityHashMap<>();
        role(roles, input, "X", p);
        role(roles, target, "T", p);
        for (int i = 0; i < weights.length; i++) {
            String l = "layer " + i + ": ";
            if (weights[i] == null || outputs[i] == null || deltas[i] == null || weightGradients[i] == null
                    || activations[i] == null) {
                throw new IllegalArgumentException("DenseStack " + l + "W, A, delta, dW and the activation must be non-null");
            }
            int out = weights[i].rows();
            shape(l + "W", weights[i], out, in);
            shape(l + "dW", weightGradients[i], out, in);
            shape(l + "A", outputs[i], n, out);
            shape(l + "delta", deltas[i], n, out);
            role(roles, weights[i], l + "W", p);
            role(roles, weightGradients[i], l + "dW", p);
            role(roles, outputs[i], l + "A", p);
            role(roles, deltas[i], l + "delta", p);
            if (biases[i] != null) {
                shape(l + "bias", biases[i], 1, out);
                role(roles, biases[i], l + "bias", p);
            }
            if (biasGradients[i] != null) {
                if (biases[i] == null) {
                    throw new IllegalArgumentException("DenseStack " + l + "a bias gradient without a bias");
                }
                shape(l + "db", biasGradients[i], 1, out);
                role(roles, biasGradients[i], l + "db", p);
            }
            in = out;
        }
        shape("T", target, n, in);
    }

    private static void shape(String what, Matrix m, int rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException("DenseStack: " + what + " must be [" + rows + " x " + cols + "], got "
                    + m.shape());
        }
    }

    private void role(Map<Matrix, String> roles, Matrix m, String what, Precision p) {
        if (m.backend() != backend) {
            throw new IllegalArgumentException("DenseStack: " + what + " " + m.shape() + " belongs to backend "
                    + m.backend().name() + ", X to " + backend.name());
        }
        if (m.precision() != p) {
            throw new IllegalArgumentException("DenseStack: " + what + " is " + m.shape() + ", X is " + input.shape()
                    + "; one precision for all");
        }
        String other = roles.putIfAbsent(m, what);
        if (other != null) {
            throw new IllegalArgumentException("DenseStack: " + what + " is the same matrix as " + other);
        }
    }

    /** The backend that owns every matrix. */
    public Backend backend() {
        return backend;
    }

    /** Number of layers. */
    public int layers() {
        return weights.length;
    }

    /** Rows of the batch, {@code n}. */
    public int batch() {
        return input.rows();
    }

    public Precision precision() {
        return input.precision();
    }

    /** {@code X [n x in_0]}. */
    public Matrix input() {
        return input;
    }

    /** {@code T [n x out_last]}. */
    public Matrix target() {
        return target;
    }

    /** {@code W_i [out_i x in_i]}. */
    public Matrix weights(int i) {
        return weights[i];
    }

    /** {@code b_i [1 x out_i]}, or {@code null} for a layer without bias. */
    public Matrix bias(int i) {
        return biases[i];
    }

    /** {@code f_i}. */
    public Activation activation(int i) {
        return activations[i];
    }

    /** {@code A_i = f_i(in_i W_i^T + b_i) [n x out_i]}. */
    public Matrix output(int i) {
        return outputs[i];
    }

    /** Layer {@code i}'s input: {@code X} for layer 0, else {@code A_(i-1)}. */
    public Matrix layerInput(int i) {
        return i == 0 ? input : outputs[i - 1];
    }

    /** {@code delta_i = dE/dZ_i [n x out_i]}. */
    public Matrix delta(int i) {
        return deltas[i];
    }

    /** {@code dW_i [out_i x in_i]}. */
    public Matrix weightGradient(int i) {
        return weightGradients[i];
    }

    /** {@code db_i [1 x out_i]}, or {@code null} when the bias is absent or frozen. */
    public Matrix biasGradient(int i) {
        return biasGradients[i];
    }

    /**
     * The first matrix the step writes that is {@linkplain Backend#freeze frozen}, named as in an error
     * message ({@code "W_0 [2 x 2] float64"}), or {@code null} if none is; {@link Backend#sgdStep} checks it.
     */
    String frozenWritten() {
        for (int i = 0; i < weights.length; i++) {
            String name = frozen("W_", i, weights[i]);
            name = name != null ? name : frozen("b_", i, biasGradients[i] != null ? biases[i] : null);
            name = name != null ? name : frozen("A_", i, outputs[i]);
            name = name != null ? name : frozen("delta_", i, deltas[i]);
            name = name != null ? name : frozen("dW_", i, weightGradients[i]);
            name = name != null ? name : frozen("db_", i, biasGradients[i]);
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    /** {@code role + i} and the shape if {@code m} is frozen, else {@code null}; allocates nothing then. */
    private static String frozen(String role, int i, Matrix m) {
        return m != null && m.isFrozen() ? role + i + " " + m.shape() : null;
    }

    /** Whether every matrix is still open; {@link Backend#sgdStep} checks it before each step. */
    boolean allOpen() {
        if (input.isClosed() || target.isClosed()) {
            return false;
        }
        for (int i = 0; i < weights.length; i++) {
            if (weights[i].isClosed() || outputs[i].isClosed() || deltas[i].isClosed() || weightGradients[i].isClosed()
                    || (biases[i] != null && biases[i].isClosed())
                    || (biasGradients[i] != null && biasGradients[i].isClosed())) {
                return false;
            }
        }
        return true;
    }
}
