// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

/**
 * Plain double-precision reference implementations for the conformance suite: loops written from the
 * mathematical definitions, independent of every backend (the CPU backend included).
 */
final class Reference {
    private Reference() {
    }

    /** {@code C = alpha op(A) op(B) + beta C}, all row-major; {@code a} is [ar x ac], {@code b} is [br x bc]. */
    static double[] gemm(boolean ta, boolean tb, double alpha, double[] a, int ar, int ac, double[] b, int br, int bc,
                         double beta, double[] c) {
        int m = ta ? ac : ar;
        int k = ta ? ar : ac;
        int n = tb ? br : bc;
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[p * ac + i] : a[i * ac + p];
                    double y = tb ? b[j * bc + p] : b[p * bc + j];
                    sum += x * y;
                }
                out[i * n + j] = alpha * sum + beta * c[i * n + j];
            }
        }
        return out;
    }

    /** The error bound scale of each element of a gemm: {@code |alpha| sum |a||b| + |beta c|}. */
    static double[] gemmMagnitude(boolean ta, boolean tb, double alpha, double[] a, int ar, int ac, double[] b, int br,
                                  int bc, double beta, double[] c) {
        double[] absA = abs(a);
        double[] absB = abs(b);
        double[] absC = abs(c);
        return gemm(ta, tb, Math.abs(alpha), absA, ar, ac, absB, br, bc, Math.abs(beta), absC);
    }

    static double[] abs(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    static double activate(org.fcnn.api.Activation f, double z) {
        switch (f) {
            case SIGMOID: return 1 / (1 + Math.exp(-z));
            case TANH: return Math.tanh(z);
            case RELU: return Math.max(0, z);
            case IDENTITY: return z;
            default: throw new IllegalArgumentException(f.toString());
        }
    }

    /** The derivative expressed through the output {@code a = f(z)}. */
    static double derivativeFromOutput(org.fcnn.api.Activation f, double a) {
        switch (f) {
            case SIGMOID: return a * (1 - a);
            case TANH: return 1 - a * a;
            case RELU: return a > 0 ? 1 : 0;
            case IDENTITY: return 1;
            default: throw new IllegalArgumentException(f.toString());
        }
    }

    static double[] softmax(double[] z, int rows, int cols) {
        double[] a = new double[z.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, z[r * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += Math.exp(z[r * cols + j] - max);
            }
            for (int j = 0; j < cols; j++) {
                a[r * cols + j] = Math.exp(z[r * cols + j] - max) / sum;
            }
        }
        return a;
    }
}
