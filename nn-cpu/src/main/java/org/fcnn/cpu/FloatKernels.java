// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Activation;
import org.fcnn.spi.Dropout;

/**
 * The CPU kernels on {@code float[]} storage, row-major. Plain loops, named by what they compute (matrix products are in {@link CpuKernels}); arguments
 * were checked by {@link org.fcnn.spi.Backend}. This class and its twin for the other precision are the same code for the two
 * precisions (Java has no generics over primitives); accumulations of losses use {@code double}.
 */
final class FloatKernels {
    private FloatKernels() {
    }

    static void addRowVector(float[] z, int rows, int cols, float[] bias) {
        for (int i = 0; i < rows; i++) {
            int zi = i * cols;
            for (int j = 0; j < cols; j++) {
                z[zi + j] += bias[j];
            }
        }
    }

    static void columnSums(float[] a, int rows, int cols, float[] out) {
        java.util.Arrays.fill(out, 0, cols, (float) 0);
        for (int i = 0; i < rows; i++) {
            int ai = i * cols;
            for (int j = 0; j < cols; j++) {
                out[j] += a[ai + j];
            }
        }
    }

    static void sigmoid(float[] z, float[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = (float) (1 / (1 + Math.exp(-z[i])));
        }
    }

    static void tanh(float[] z, float[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = (float) Math.tanh(z[i]);
        }
    }

    /** {@code a = f(z)} over {@code [rows x cols]} (softmax per row); {@code a} may be {@code z}. */
    static void activate(Activation f, float[] z, float[] a, int rows, int cols) {
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
    static void activationGradient(Activation f, float[] a, float[] dA, float[] dZ, int rows, int cols) {
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
    static void biasSigmoid(float[] a, int rows, int cols, float[] bias) {
        if (bias == null) {
            sigmoid(a, a, rows * cols);
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, o = i * cols; j < cols; j++) {
                a[o + j] = (float) (1 / (1 + Math.exp(-(a[o + j] + bias[j]))));
            }
        }
    }

    /** {@code a = tanh(a + bias)} in place over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    static void biasTanh(float[] a, int rows, int cols, float[] bias) {
        if (bias == null) {
            tanh(a, a, rows * cols);
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, o = i * cols; j < cols; j++) {
                a[o + j] = (float) Math.tanh(a[o + j] + bias[j]);
            }
        }
    }

    static void relu(float[] z, float[] a, int size) {
        for (int i = 0; i < size; i++) {
            a[i] = z[i] > 0 ? z[i] : 0;
        }
    }

    static void softmax(float[] z, float[] a, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float max = z[o];
            for (int j = 1; j < cols; j++) {
                max = Math.max(max, z[o + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                float e = (float) Math.exp(z[o + j] - max);
                a[o + j] = e;
                sum += e;
            }
            float inv = (float) (1 / sum);
            for (int j = 0; j < cols; j++) {
                a[o + j] *= inv;
            }
        }
    }

    /** {@code dZ = dA * a (1 - a)}. */
    static void sigmoidGradient(float[] a, float[] dA, float[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = dA[i] * a[i] * (1 - a[i]);
        }
    }

    /** {@code dZ = dA * (1 - a^2)}. */
    static void tanhGradient(float[] a, float[] dA, float[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = dA[i] * (1 - a[i] * a[i]);
        }
    }

    /** {@code dZ = a > 0 ? dA : 0}. */
    static void reluGradient(float[] a, float[] dA, float[] dZ, int size) {
        for (int i = 0; i < size; i++) {
            dZ[i] = a[i] > 0 ? dA[i] : 0;
        }
    }

    /** Per row: {@code dZ_j = a_j (dA_j - sum_k dA_k a_k)}. */
    static void softmaxGradient(float[] a, float[] dA, float[] dZ, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float dot = 0;
            for (int j = 0; j < cols; j++) {
                dot += dA[o + j] * a[o + j];
            }
            for (int j = 0; j < cols; j++) {
                dZ[o + j] = a[o + j] * (dA[o + j] - dot);
            }
        }
    }

    /** {@code sum 1/2 (t - o)^2 / rows}. */
    static double squaredError(float[] o, float[] t, int rows, int size) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double d = (double) t[i] - o[i];
            sum += d * d;
        }
        return 0.5 * sum / rows;
    }

    /** {@code -sum t log p / rows}, with {@code p} clamped to the smallest normal value. */
    static double crossEntropy(float[] p, float[] t, int rows, int size) {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            if (t[i] != 0) {
                sum -= t[i] * Math.log(Math.max(p[i], Float.MIN_NORMAL));
            }
        }
        return sum / rows;
    }

    /** {@code grad = (o - t) / rows}: the squared error's gradient, and softmax cross-entropy's w.r.t. the logits. */
    static void difference(float[] o, float[] t, float[] grad, int rows, int size) {
        float inv = (float) (1.0 / rows);
        for (int i = 0; i < size; i++) {
            grad[i] = (o[i] - t[i]) * inv;
        }
    }

    static void dropout(float[] a, float[] mask, float[] out, int size, int threshold, float scale, int seed) {
        for (int i = 0; i < size; i++) {
            float m = Dropout.keep(seed, i, threshold) ? scale : 0;
            mask[i] = m;
            out[i] = a[i] * m;
        }
    }

    static void multiply(float[] a, float[] b, float[] out, int size) {
        for (int i = 0; i < size; i++) {
            out[i] = a[i] * b[i];
        }
    }

    static void sgd(float[] p, float[] g, int size, float lr, float wd) {
        for (int i = 0; i < size; i++) {
            p[i] -= lr * (g[i] + wd * p[i]);
        }
    }

    static void momentum(float[] p, float[] g, float[] v, int size, float lr, float mu, float wd) {
        for (int i = 0; i < size; i++) {
            v[i] = mu * v[i] + g[i] + wd * p[i];
            p[i] -= lr * v[i];
        }
    }

    static void adam(float[] p, float[] g, float[] m, float[] v, int size, float stepSize, float b1, float b2, float eps,
                     float correction2, float wd) {
        for (int i = 0; i < size; i++) {
            float gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / correction2 + eps);
        }
    }
}
