// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import org.fcnn.spi.DenseStack;

/**
 * The template of a double64 plain-SGD training step compiled for one tiny network's sizes (see
 * {@link CompiledSteps}): never loaded as itself, only as hidden classes defined from its bytes, one per
 * combination of sizes, whose {@code static final} fields are read from the hidden class's data. C2 treats
 * those fields as constants, so every loop below has a constant trip count and is unrolled, and every
 * activation test folds away: the code the JIT makes is the code one would write by hand for that network.
 *
 * <p>The step is {@link DoubleLayers#sgdStep}'s, pass by pass and operation by operation (the same sums in the
 * same order, the same formulas), so it gives the same bits; {@code CompiledStepTest} checks that. Up to
 * {@value #MAX_LAYERS} layers; the layer {@code l} has {@code S(l)} inputs and {@code S(l+1)} outputs.
 * An instance is bound to one {@link DenseStack}'s arrays and used by one thread at a time, like its backend.
 */
final class DoubleCompiledStep implements CompiledSteps.Step {
    static final int MAX_LAYERS = 4;
    /** Activation codes in the class data (those of {@link CompiledSteps#code}). */
    private static final int SIGMOID = 0;
    private static final int TANH = 1;
    private static final int RELU = 2;
    private static final int IDENTITY = 3;
    private static final int SOFTMAX = 4;

    private static final int LAYERS;
    private static final int N;
    private static final int S0;
    private static final int S1;
    private static final int S2;
    private static final int S3;
    private static final int S4;
    private static final int F0;
    private static final int F1;
    private static final int F2;
    private static final int F3;
    private static final boolean CROSS_ENTROPY;

    static {
        int[] c;
        try {
            c = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME, int[].class);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
        // {layers, n, crossEntropy, S0..S4, F0..F3}
        LAYERS = c[0];
        N = c[1];
        CROSS_ENTROPY = c[2] != 0;
        S0 = c[3];
        S1 = c[4];
        S2 = c[5];
        S3 = c[6];
        S4 = c[7];
        F0 = c[8];
        F1 = c[9];
        F2 = c[10];
        F3 = c[11];
    }

    private final double[] x;
    private final double[] t;
    private final double[] w0;
    private final double[] w1;
    private final double[] w2;
    private final double[] w3;
    private final double[] b0;
    private final double[] b1;
    private final double[] b2;
    private final double[] b3;
    private final double[] a0;
    private final double[] a1;
    private final double[] a2;
    private final double[] a3;
    private final double[] d0;
    private final double[] d1;
    private final double[] d2;
    private final double[] d3;
    private final double[] g0;
    private final double[] g1;
    private final double[] g2;
    private final double[] g3;
    private final double[] gb0;
    private final double[] gb1;
    private final double[] gb2;
    private final double[] gb3;

    /** Binds the step to the arrays of {@code s}, whose sizes must be this class's. */
    DoubleCompiledStep(DenseStack s) {
        x = CpuMatrix.doubles(s.input());
        t = CpuMatrix.doubles(s.target());
        w0 = layer(s, 0, 0);
        w1 = layer(s, 1, 0);
        w2 = layer(s, 2, 0);
        w3 = layer(s, 3, 0);
        b0 = layer(s, 0, 1);
        b1 = layer(s, 1, 1);
        b2 = layer(s, 2, 1);
        b3 = layer(s, 3, 1);
        a0 = layer(s, 0, 2);
        a1 = layer(s, 1, 2);
        a2 = layer(s, 2, 2);
        a3 = layer(s, 3, 2);
        d0 = layer(s, 0, 3);
        d1 = layer(s, 1, 3);
        d2 = layer(s, 2, 3);
        d3 = layer(s, 3, 3);
        g0 = layer(s, 0, 4);
        g1 = layer(s, 1, 4);
        g2 = layer(s, 2, 4);
        g3 = layer(s, 3, 4);
        gb0 = layer(s, 0, 5);
        gb1 = layer(s, 1, 5);
        gb2 = layer(s, 2, 5);
        gb3 = layer(s, 3, 5);
    }

    /** Role 0 W, 1 bias, 2 A, 3 delta, 4 dW, 5 db of layer {@code l}, or {@code null} past the last layer. */
    private static double[] layer(DenseStack s, int l, int role) {
        if (l >= s.layers()) {
            return null;
        }
        switch (role) {
            case 0: return CpuMatrix.doubles(s.weights(l));
            case 1: return CpuMatrix.doubles(s.bias(l));
            case 2: return CpuMatrix.doubles(s.output(l));
            case 3: return CpuMatrix.doubles(s.delta(l));
            case 4: return CpuMatrix.doubles(s.weightGradient(l));
            default: return CpuMatrix.doubles(s.biasGradient(l));
        }
    }

    @Override
    public double run(double learningRate, double weightDecay) {
        double lr = (double) learningRate;
        double wd = (double) weightDecay;
        forward(x, w0, b0, a0, S0, S1, F0);
        if (LAYERS > 1) {
            forward(a0, w1, b1, a1, S1, S2, F1);
        }
        if (LAYERS > 2) {
            forward(a1, w2, b2, a2, S2, S3, F2);
        }
        if (LAYERS > 3) {
            forward(a2, w3, b3, a3, S3, S4, F3);
        }
        double e;
        if (LAYERS == 1) {
            e = lossAndDelta(a0, d0, S1, F0);
        } else if (LAYERS == 2) {
            e = lossAndDelta(a1, d1, S2, F1);
        } else if (LAYERS == 3) {
            e = lossAndDelta(a2, d2, S3, F2);
        } else {
            e = lossAndDelta(a3, d3, S4, F3);
        }
        if (LAYERS > 3) {
            gradients(d3, a2, g3, gb3, S3, S4);
            backpropagate(d3, w3, F2, a2, d2, S3, S4);
        }
        if (LAYERS > 2) {
            gradients(d2, a1, g2, gb2, S2, S3);
            backpropagate(d2, w2, F1, a1, d1, S2, S3);
        }
        if (LAYERS > 1) {
            gradients(d1, a0, g1, gb1, S1, S2);
            backpropagate(d1, w1, F0, a0, d0, S1, S2);
        }
        gradients(d0, x, g0, gb0, S0, S1);
        update(w0, g0, b0, gb0, S0, S1, lr, wd);
        if (LAYERS > 1) {
            update(w1, g1, b1, gb1, S1, S2, lr, wd);
        }
        if (LAYERS > 2) {
            update(w2, g2, b2, gb2, S2, S3, lr, wd);
        }
        if (LAYERS > 3) {
            update(w3, g3, b3, gb3, S3, S4, lr, wd);
        }
        return e;
    }

    /** {@code A = f(X W^T + bias)} as {@link DoubleLayers#forward}'s tiny path. */
    private static void forward(double[] x, double[] w, double[] bias, double[] a, int in, int out, int f) {
        for (int i = 0; i < N; i++) {
            int xi = i * in;
            int ai = i * out;
            for (int j = 0; j < out; j++) {
                int wj = j * in;
                double z = 0;
                for (int p = 0; p < in; p++) {
                    z += x[xi + p] * w[wj + p];
                }
                if (bias != null) {
                    z += bias[j];
                }
                a[ai + j] = f == SOFTMAX ? z : activate(f, z);
            }
        }
        if (f == SOFTMAX) {
            DoubleKernels.softmax(a, a, N, out);
        }
    }

    /** The loss of output {@code o [N x out]} against the target, and the output error, as {@link DoubleLayers#outputDelta}. */
    private double lossAndDelta(double[] o, double[] delta, int out, int f) {
        int size = N * out;
        double e = CROSS_ENTROPY ? DoubleKernels.crossEntropy(o, t, N, size) : DoubleKernels.squaredError(o, t, N, size);
        if (CROSS_ENTROPY || f == SOFTMAX) {
            DoubleKernels.difference(o, t, delta, N, size);
            if (!CROSS_ENTROPY) {
                DoubleKernels.softmaxGradient(o, delta, delta, N, out);
            }
            return e;
        }
        double inv = (double) (1.0 / N);
        for (int i = 0; i < size; i++) {
            delta[i] = derive(f, o[i], (o[i] - t[i]) * inv);
        }
        return e;
    }

    /** {@code dW = delta^T X} as {@link SmallDoubleGemm}'s outer products; {@code db} the column sums of delta. */
    private static void gradients(double[] delta, double[] x, double[] dW, double[] db, int in, int out) {
        for (int i = 0; i < out * in; i++) {
            dW[i] = 0;
        }
        for (int p = 0; p < N; p++) {
            int ap = p * out;
            int bp = p * in;
            for (int i = 0; i < out; i++) {
                double v = 1 * delta[ap + i];
                int ci = i * in;
                for (int j = 0; j < in; j++) {
                    dW[ci + j] += v * x[bp + j];
                }
            }
        }
        if (db != null) {
            for (int j = 0; j < out; j++) {
                db[j] = 0;
            }
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < out; j++) {
                    db[j] += delta[i * out + j];
                }
            }
        }
    }

    /** {@code deltaBelow = (delta W) (.) f'(below)} as {@link DoubleLayers#backpropagate}'s tiny path (no mask). */
    private static void backpropagate(double[] delta, double[] w, int f, double[] below, double[] deltaBelow, int in,
                                      int out) {
        for (int i = 0; i < N; i++) {
            for (int p = 0; p < in; p++) {
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += delta[i * out + j] * w[j * in + p];
                }
                int e = i * in + p;
                deltaBelow[e] = f == SOFTMAX ? s : derive(f, below[e], s);
            }
        }
        if (f == SOFTMAX) {
            DoubleKernels.softmaxGradient(below, deltaBelow, deltaBelow, N, in);
        }
    }

    /** {@code p -= lr (g + wd p)} for the weights and, with a bias gradient, the bias, as {@link DoubleKernels#sgd}. */
    private static void update(double[] w, double[] dW, double[] bias, double[] db, int in, int out, double lr, double wd) {
        for (int i = 0; i < out * in; i++) {
            w[i] -= lr * (dW[i] + wd * w[i]);
        }
        if (db != null) {
            for (int i = 0; i < out; i++) {
                bias[i] -= lr * (db[i] + wd * bias[i]);
            }
        }
    }

    /** As {@link DoubleLayers}' element-wise activation. */
    private static double activate(int f, double z) {
        if (f == SIGMOID) {
            return (double) (1 / (1 + Math.exp(-z)));
        }
        if (f == TANH) {
            return (double) Math.tanh(z);
        }
        if (f == RELU) {
            return z > 0 ? z : 0;
        }
        return z;
    }

    /** As {@link DoubleLayers}' derivative from the output. */
    private static double derive(int f, double a, double g) {
        if (f == SIGMOID) {
            return g * a * (1 - a);
        }
        if (f == TANH) {
            return g * (1 - a * a);
        }
        if (f == RELU) {
            return a > 0 ? g : 0;
        }
        return g;
    }
}
