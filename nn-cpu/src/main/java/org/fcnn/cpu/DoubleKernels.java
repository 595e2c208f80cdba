// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Activation;
import org.fcnn.spi.Dropout;

/**
 * The CPU kernels on {@code double[]} storage, row-major. Plain loops, named by what they compute (matrix products are in {@link CpuKernels}); arguments
 * were checked by {@link org.fcnn.spi.Backend}. This class and its twin for the other precision are the same code for the two
 * precisions (Java has no generics over primitives); accumulations of losses use {@code double}.
 */
final class DoubleKernels {
    private DoubleKernels() {
    }

    static void addRowVector(double[] z, int rows, int cols, double[] bias) {
        for (int i = 0; i < rows; i++) {
            int zi = i * cols;
            for (int j = 0; j < cols; j++) {
                z[zi + j] += bias[j];
            }
        }
    }

    static void columnSums(double[] a, int rows, int cols, double[] out) {
        java.util.Arrays.fill(out, 0, cols, (double) 0);
        for (int i = 0; i < rows; i++) {
            int ai = i * cols;
            for (int j = 0; j < cols; j++) {
                out[j] += a[ai + j];
            }
        }
    }

    static void sigmoid(double[] z, double[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = (double) (1 / (1 + Math.exp(-z[i])));
        }
    }

    static void tanh(double[] z, double[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = (double) Math.tanh(z[i]);
        }
    }

    /** {@code a = f(z)} over {@code [rows x cols]} (softmax per row); {@code a} may be {@code z}. */
    static void activate(Activation f, double[] z, double[] a, int rows, int cols) {
        int size = rows * cols;
        switch (f) {
            case SIGMOID: sigmoid(z, a, size); break;
            case TANH: tanh(z, a, size); break;
            case RELU: relu(z, a, size); break;
            case IDENTITY: System.arraycopy(z, 0, a, 0, size); break;
            case SOFTMAX: softmax(z, a, rows, cols); break;
            default: throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    /** {@code dZ = dA (.) f'} from the outputs {@code a = f(z)} over {@code [rows x cols]}; {@code dZ} may be {@code dA}. */
    static void activationGradient(Activation f, double[] a, double[] dA, double[] dZ, int rows, int cols) {
        int size = rows * cols;
        switch (f) {
            case SIGMOID: sigmoidGradient(a, dA, dZ, size); break;
            case TANH: tanhGradient(a, dA, dZ, size); break;
            case RELU: reluGradient(a, dA, dZ, size); break;
            case IDENTITY: System.arraycopy(dA, 0, dZ, 0, size); break;
            case SOFTMAX: softmaxGradient(a, dA, dZ, rows, cols); break;
            default: throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    /** {@code a = sigmoid(a + bias)} in place over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    static void biasSigmoid(double[] a, int rows, int cols, double[] bias) {
        if (bias == null) {
            sigmoid(a, a, rows * cols);
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, o = i * cols; j < cols; j++) {
                a[o + j] = (double) (1 / (1 + Math.exp(-(a[o + j] + bias[j]))));
            }
        }
    }

    /** {@code a = tanh(a + bias)} in place over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    static void biasTanh(double[] a, int rows, int cols, double[] bias) {
        if (bias == null) {
            tanh(a, a, rows * cols);
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, o = i * cols; j < cols; j++) {
                a[o + j] = (double) Math.tanh(a[o + j] + bias[j]);
            }
        }
    }

    static void relu(double[] z, double[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = z[i] > 0 ? z[i] : 0;
        }
    }

    static void softmax(double[] z, double[] a, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double max = z[o];
            for (int j = 1; j < cols; j++) {
                max = Math.max(max, z[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                double e = (double) Math.exp(z[o + j] - max);
                a[o + j] = e;
                sum += e;
            }
            double inv = (double) (1 / sum);
            for (int j = 0; j < cols; j++) {
                a[o + j] *= inv;
            }
        }
    }

    /** {@code dZ = dA * a (1 - a)}. */
    static void sigmoidGradient(double[] a, double[] dA, double[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = dA[i] * a[i] * (1 - a[i]);
        }
    }

    /** {@code dZ = dA * (1 - a^2)}. */
    static void tanhGradient(double[] a, double[] dA, double[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = dA[i] * (1 - a[i] * a[i]);
        }
    }

    /** {@code dZ = a > 0 ? dA : 0}. */
    static void reluGradient(double[] a, double[] dA, double[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = a[i] > 0 ? dA[i] : 0;
        }
    }

    /** Per row: {@code dZ_j = a_j (dA_j - sum_k dA_k a_k)}. */
    static void softmaxGradient(double[] a, double[] dA, double[] dZ, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += dA[o + j] * a[o + j];
            }
            for (int j = 0; j < cols; j++) {
                dZ[o + j] = a[o + j] * (dA[o + j] - dot);
            }
        }
    }

    /** {@code sum 1/2 (t - o)^2 / rows}. */
    static double squaredError(double[] o, double[] t, int rows, int size) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double d = (double) t[i] - o[i];
            sum += d * d;
        }
        return 0.5 * sum / rows;
    }

    /** {@code -sum t log p / rows}, with {@code p} clamped to the smallest normal value. */
    static double crossEntropy(double[] p, double[] t, int rows, int size) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            if (t[i] != 0) {
                sum -= t[i] * Math.log(Math.max(p[i], Double.MIN_NORMAL));
            }
        }
        return sum / rows;
    }

    /** {@code grad = (o - t) / rows}: the squared error's gradient, and softmax cross-entropy's w.r.t. the logits. */
    static void difference(double[] o, double[] t, double[] grad, int rows, int size) {
        double inv = (double) (1.0 / rows);
        for (int i = 0; i < size; i++) {
            grad[i] = (o[i] - t[i]) * inv;
        }
    }

    static void dropout(double[] a, double[] mask, double[] out, int size, int threshold, double scale, int seed) {
        for (int i = 0; i < size; i++) {
            double m = Dropout.keep(seed, i, threshold) ? scale : 0;
            mask[i] = m;
            out[i] = a[i] * m;
        }
    }

    static void multiply(double[] a, double[] b, double[] out, int size) {
        for (int i = 0; i < size; i++) {
            out[i] = a[i] * b[i];
        }
    }

    static void sgd(double[] p, double[] g, int size, double lr, double wd) {
        for (int i = 0; i < size; i++) {
            p[i] -= lr * (g[i] + wd * p[i]);
        }
    }

    static void momentum(double[] p, double[] g, double[] v, int size, double lr, double mu, double wd) {
        for (int i = 0; i < size; i++) {
            v[i] = mu * v[i] + g[i] + wd * p[i];
            p[i] -= lr * v[i];
        }
    }

    static void adam(double[] p, double[] g, double[] m, double[] v, int size, double stepSize, double b1, double b2, double eps,
                     double correction2, double wd) {
        for (int i = 0; i < size; i++) {
            double gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= stepSize * m[i] / ((double) Math.sqrt(v[i]) / correction2 + eps);
        }
    }
}
