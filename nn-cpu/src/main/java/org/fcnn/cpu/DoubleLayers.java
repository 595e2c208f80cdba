// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.spi.DenseStack;
import org.fcnn.spi.Matrix;

/**
 * A dense layer's fused passes on {@code double[]} storage, row-major, for the CPU backend's overrides of
 * {@link org.fcnn.spi.Backend#denseForward}, {@link org.fcnn.spi.Backend#outputDelta},
 * {@link org.fcnn.spi.Backend#denseGradients} and {@link org.fcnn.spi.Backend#backpropagate}; arguments were
 * checked by {@link org.fcnn.spi.Backend}. Shapes: {@code X [n x in]}, {@code W [out x in]},
 * {@code bias [1 x out]}, {@code A, delta [n x out]}, the layer below's output and error {@code [n x in]}.
 *
 * <p>The forward pass and the back-propagation of tiny layers (at most {@link CpuThreads#SMALL_WORK}
 * multiply-adds, the tutorial's 2-2-2 net) run as one loop nest each, with the bias, activation, mask and
 * derivative applied where each element is computed: with sizes this small, a call's cost is its loop
 * set-ups, not its arithmetic. Otherwise the product runs through {@link DoubleGemmRunner} (whose own tiny
 * path is {@link SmallDoubleGemm}) and then one pass over the result (sigmoid and tanh through
 * {@link CpuKernels}, vectorised on the Vector API path); the weight gradient is that product alone. The tiny path adds and multiplies in the
 * same order as the unfused kernels ({@link SmallDoubleGemm}, {@link DoubleKernels}), so the tutorial's
 * numbers are the same bits either way.
 */
final class DoubleLayers {
    private DoubleLayers() {
    }

    private static boolean tiny(int n, int in, int out) {
        return (long) n * in * out <= CpuThreads.SMALL_WORK;
    }

    /** Whether every layer of {@code s} is tiny (then {@link #sgdStep} runs it). */
    static boolean tiny(DenseStack s) {
        for (int i = 0; i < s.layers(); i++) {
            if (!tiny(s.batch(), s.weights(i).cols(), s.weights(i).rows())) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link org.fcnn.spi.Backend#sgdStep} for a stack of double64 tiny layers: the passes below and the
     * kernels the unfused calls run, in their order, so the result is the same bits; what it saves is a
     * backend call's checks and dispatch per pass (eleven calls for the tutorial's step).
     */
    static double sgdStep(DoubleGemmRunner gemm, CpuKernels kernels, DenseStack s, Loss loss, double lr, double wd) {
        int n = s.batch();
        int last = s.layers() - 1;
        for (int i = 0; i <= last; i++) {
            Matrix w = s.weights(i);
            forward(gemm, kernels, CpuMatrix.doubles(s.layerInput(i)), CpuMatrix.doubles(w), CpuMatrix.doubles(s.bias(i)),
                    s.activation(i), CpuMatrix.doubles(s.output(i)), n, w.cols(), w.rows());
        }
        double[] o = CpuMatrix.doubles(s.output(last));
        double[] t = CpuMatrix.doubles(s.target());
        int size = n * s.weights(last).rows();
        double e = loss == Loss.SQUARED_ERROR ? DoubleKernels.squaredError(o, t, n, size)
                : DoubleKernels.crossEntropy(o, t, n, size);
        outputDelta(loss, s.activation(last), o, t, CpuMatrix.doubles(s.delta(last)), n, size);
        for (int i = last; i >= 0; i--) {
            Matrix w = s.weights(i);
            double[] delta = CpuMatrix.doubles(s.delta(i));
            gradients(gemm, delta, CpuMatrix.doubles(s.layerInput(i)), CpuMatrix.doubles(s.weightGradient(i)),
                    CpuMatrix.doubles(s.biasGradient(i)), n, w.cols(), w.rows());
            if (i > 0) {
                backpropagate(gemm, delta, CpuMatrix.doubles(w), null, s.activation(i - 1),
                        CpuMatrix.doubles(s.output(i - 1)), CpuMatrix.doubles(s.delta(i - 1)), n, w.cols(), w.rows());
            }
        }
        for (int i = 0; i <= last; i++) {
            Matrix w = s.weights(i);
            DoubleKernels.sgd(CpuMatrix.doubles(w), CpuMatrix.doubles(s.weightGradient(i)), w.size(), lr, wd);
            if (s.biasGradient(i) != null) {
                DoubleKernels.sgd(CpuMatrix.doubles(s.bias(i)), CpuMatrix.doubles(s.biasGradient(i)), w.rows(), lr, wd);
            }
        }
        return e;
    }

    /** {@code A = f(X W^T + bias)}; {@code bias} may be {@code null}. */
    static void forward(DoubleGemmRunner gemm, CpuKernels kernels, double[] x, double[] w, double[] bias, Activation f, double[] a,
                        int n, int in, int out) {
        forward(gemm, kernels, x, w, 0, in, bias, f, a, n, in, out);
    }

    /**
     * As above with row {@code j} of {@code W} at {@code w[wOff + j * ldw]} (a copy of {@code W} with padded
     * rows, such as {@link CpuMatrix#aligned}): the same results, bit for bit, as from {@code W} itself.
     */
    static void forward(DoubleGemmRunner gemm, CpuKernels kernels, double[] x, double[] w, int wOff, int ldw, double[] bias,
                        Activation f, double[] a, int n, int in, int out) {
        if (!tiny(n, in, out) || gemm.dotsFor(false, true, n, in)) {
            gemm.gemm(false, true, n, out, in, 1, x, 0, in, w, wOff, ldw, 0, a);
            biasActivate(kernels, a, n, out, bias, f);
            return;
        }
        boolean rows = f == Activation.SOFTMAX;
        for (int i = 0; i < n; i++) {
            int xi = i * in;
            int ai = i * out;
            for (int j = 0; j < out; j++) {
                int wj = wOff + j * ldw;
                double z = 0;
                for (int p = 0; p < in; p++) {
                    z += x[xi + p] * w[wj + p];
                }
                if (bias != null) {
                    z += bias[j];
                }
                a[ai + j] = rows ? z : activate(f, z);
            }
        }
        if (rows) {
            DoubleKernels.softmax(a, a, n, out);
        }
    }

    /**
     * {@code a = f(a + bias)} in one pass; sigmoid and tanh through {@code kernels} (vectorised on the Vector
     * API path), softmax adds the bias first and then works row by row.
     */
    private static void biasActivate(CpuKernels kernels, double[] a, int rows, int cols, double[] bias, Activation f) {
        if (f == Activation.SIGMOID) {
            kernels.sigmoid(a, rows, cols, bias);
        } else if (f == Activation.TANH) {
            kernels.tanh(a, rows, cols, bias);
        } else if (f == Activation.RELU && bias != null) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0, o = i * cols; j < cols; j++) {
                    double z = a[o + j] + bias[j];
                    a[o + j] = z > 0 ? z : 0;
                }
            }
        } else {
            if (bias != null) {
                DoubleKernels.addRowVector(a, rows, cols, bias);
            }
            DoubleKernels.activate(f, a, a, rows, cols);
        }
    }

    /** {@code f(z)} for the element-wise activations, as {@link DoubleKernels} computes it. */
    private static double activate(Activation f, double z) {
        switch (f) {
            case SIGMOID: return (double) (1 / (1 + Math.exp(-z)));
            case TANH: return (double) Math.tanh(z);
            case RELU: return z > 0 ? z : 0;
            case IDENTITY: return z;
            default: throw new IllegalArgumentException("not element-wise: " + f);
        }
    }

    /** {@code g (.) f'} where {@code f'} is taken from the output {@code a = f(z)}, as {@link DoubleKernels} computes it. */
    private static double derive(Activation f, double a, double g) {
        switch (f) {
            case SIGMOID: return g * a * (1 - a);
            case TANH: return g * (1 - a * a);
            case RELU: return a > 0 ? g : 0;
            case IDENTITY: return g;
            default: throw new IllegalArgumentException("not element-wise: " + f);
        }
    }

    /** {@code delta = (O - T) / n}, times {@code f'(O)} unless softmax cross-entropy; one pass for element-wise {@code f}. */
    static void outputDelta(Loss loss, Activation f, double[] o, double[] t, double[] delta, int n, int size) {
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY || f == Activation.SOFTMAX) {
            DoubleKernels.difference(o, t, delta, n, size);
            if (loss != Loss.SOFTMAX_CROSS_ENTROPY) {
                DoubleKernels.softmaxGradient(o, delta, delta, n, size / n);
            }
            return;
        }
        double inv = (double) (1.0 / n);
        for (int i = 0; i < size; i++) {
            delta[i] = derive(f, o[i], (o[i] - t[i]) * inv);
        }
    }

    /** {@code dW = delta^T X}; {@code db = } column sums of {@code delta} unless {@code db} is {@code null}. */
    static void gradients(DoubleGemmRunner gemm, double[] delta, double[] x, double[] dW, double[] db, int n, int in,
                          int out) {
        gemm.gemm(true, false, out, in, n, 1, delta, out, x, in, 0, dW);
        if (db != null) {
            DoubleKernels.columnSums(delta, n, out, db);
        }
    }

    /** {@code deltaBelow = ((delta W) (.) mask) (.) f'(below)}; {@code mask} may be {@code null}. */
    static void backpropagate(DoubleGemmRunner gemm, double[] delta, double[] w, double[] mask, Activation f,
                              double[] below, double[] deltaBelow, int n, int in, int out) {
        boolean rows = f == Activation.SOFTMAX;
        if (tiny(n, in, out)) {
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < in; p++) {
                    double s = 0;
                    for (int j = 0; j < out; j++) {
                        s += delta[i * out + j] * w[j * in + p];
                    }
                    int e = i * in + p;
                    if (mask != null) {
                        s = s * mask[e];
                    }
                    deltaBelow[e] = rows ? s : derive(f, below[e], s);
                }
            }
            if (rows) {
                DoubleKernels.softmaxGradient(below, deltaBelow, deltaBelow, n, in);
            }
            return;
        }
        gemm.gemm(false, false, n, in, out, 1, delta, out, w, in, 0, deltaBelow);
        if (mask != null) {
            DoubleKernels.multiply(deltaBelow, mask, deltaBelow, n * in);
        }
        DoubleKernels.activationGradient(f, below, deltaBelow, deltaBelow, n, in);
    }
}
