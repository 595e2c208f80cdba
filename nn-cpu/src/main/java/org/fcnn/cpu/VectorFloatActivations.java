// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 sigmoid and tanh (with the bias added in the same pass) on the Vector API: the JIT compiles
 * {@code EXP} and {@code TANH} lanes to vectorised math routines, some 15 times faster than a loop of
 * {@link Math#exp} (measured 0.55 against 10 ns per element at 256 x 128), within 1 ulp of the scalar
 * kernels. Written like {@link VectorFloatGemm}'s micro-kernels: each vector loop is a small method of its
 * own with no branch inside, so that C2 always compiles it to vector code; tails narrower than a vector go
 * through the scalar formula. Loaded only with the Vector API kernels (see {@link CpuKernels}).
 */
final class VectorFloatActivations {
    private static final VectorSpecies<Float> S = VectorShapes.floatSpecies();
    private static final int L = S.length();

    private VectorFloatActivations() {
    }

    /** {@code a = 1 / (1 + exp(-(a + bias)))} over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    static void sigmoid(float[] a, int rows, int cols, float[] bias) {
        if (bias == null) {
            int size = rows * cols;
            for (int i = sigmoid(a, 0, size); i < size; i++) {
                a[i] = (float) (1 / (1 + Math.exp(-a[i])));
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = sigmoid(a, o, bias, cols); j < cols; j++) {
                a[o + j] = (float) (1 / (1 + Math.exp(-(a[o + j] + bias[j]))));
            }
        }
    }

    /** {@code a = tanh(a + bias)} over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    static void tanh(float[] a, int rows, int cols, float[] bias) {
        if (bias == null) {
            int size = rows * cols;
            for (int i = tanh(a, 0, size); i < size; i++) {
                a[i] = (float) Math.tanh(a[i]);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = tanh(a, o, bias, cols); j < cols; j++) {
                a[o + j] = (float) Math.tanh(a[o + j] + bias[j]);
            }
        }
    }

    /** Sigmoid of {@code a[from, from + n)} in whole vectors; returns how many elements it did. */
    private static int sigmoid(float[] a, int from, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector z = FloatVector.fromArray(S, a, from + j);
            one.div(z.neg().lanewise(VectorOperators.EXP).add(one)).intoArray(a, from + j);
        }
        return j;
    }

    /** Sigmoid of {@code a[from + j] + bias[j]} for {@code j < n} in whole vectors; returns how many it did. */
    private static int sigmoid(float[] a, int from, float[] bias, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector z = FloatVector.fromArray(S, a, from + j).add(FloatVector.fromArray(S, bias, j));
            one.div(z.neg().lanewise(VectorOperators.EXP).add(one)).intoArray(a, from + j);
        }
        return j;
    }

    /** Tanh of {@code a[from, from + n)} in whole vectors; returns how many elements it did. */
    private static int tanh(float[] a, int from, int n) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(S, a, from + j).lanewise(VectorOperators.TANH).intoArray(a, from + j);
        }
        return j;
    }

    /** Tanh of {@code a[from + j] + bias[j]} for {@code j < n} in whole vectors; returns how many it did. */
    private static int tanh(float[] a, int from, float[] bias, int n) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector.fromArray(S, a, from + j).add(FloatVector.fromArray(S, bias, j))
                    .lanewise(VectorOperators.TANH).intoArray(a, from + j);
        }
        return j;
    }
}
