// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What plain Java can do for the tutorial's 2-2-2 step (float64, one sample, sigmoid, squared error, SGD
 * 0.5), as a floor for {@link TrainStepBenchmark#tutorialStep}: no library, no checks, no objects.
 * <ul>
 * <li>{@link #constantSizes}: the step written for 2 x 2 layers, as the C++ peer {@code tutorial.cpp} is;
 *     the JIT unrolls every loop and keeps values in registers.</li>
 * <li>{@link #runtimeSizes}: the same step with the sizes in fields, as a library must write it (one loop
 *     nest per pass, like the CPU backend's tiny-layer path), so the loops and the loads through arrays
 *     stay.</li>
 * </ul>
 * Both compute the tutorial's numbers (E after the first step is 0.298371108760); only the time is measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TutorialFloorBenchmark {
    private int in;
    private int hidden;
    private int out;
    private int n;
    private double lr;
    private final double[] x = {0.05, 0.10};
    private final double[] t = {0.01, 0.99};
    private final double[] b1 = {0.35, 0.35};
    private final double[] b2 = {0.60, 0.60};
    private double[] w1;
    private double[] w2;
    private final double[] h = new double[2];
    private final double[] o = new double[2];
    private final double[] d1 = new double[2];
    private final double[] d2 = new double[2];
    private final double[] g1 = new double[4];
    private final double[] g2 = new double[4];

    @Setup
    public void setUp() {
        in = 2;
        hidden = 2;
        out = 2;
        n = 1;
        lr = 0.5;
        w1 = new double[] {0.15, 0.20, 0.25, 0.30};
        w2 = new double[] {0.40, 0.45, 0.50, 0.55};
    }

    @Benchmark
    public double constantSizes() {
        for (int j = 0; j < 2; j++) {
            double z = x[0] * w1[j * 2] + x[1] * w1[j * 2 + 1] + 0.35;
            h[j] = 1 / (1 + Math.exp(-z));
        }
        for (int j = 0; j < 2; j++) {
            double z = h[0] * w2[j * 2] + h[1] * w2[j * 2 + 1] + 0.60;
            o[j] = 1 / (1 + Math.exp(-z));
        }
        double e = 0;
        for (int j = 0; j < 2; j++) {
            double d = t[j] - o[j];
            e += 0.5 * d * d;
            d2[j] = (o[j] - t[j]) * o[j] * (1 - o[j]);
        }
        for (int p = 0; p < 2; p++) {
            d1[p] = (d2[0] * w2[p] + d2[1] * w2[2 + p]) * h[p] * (1 - h[p]);
        }
        for (int j = 0; j < 2; j++) {
            for (int p = 0; p < 2; p++) {
                w2[j * 2 + p] -= 0.5 * d2[j] * h[p];
                w1[j * 2 + p] -= 0.5 * d1[j] * x[p];
            }
        }
        return e;
    }

    @Benchmark
    public double runtimeSizes() {
        forward(x, w1, b1, h, n, in, hidden);
        forward(h, w2, b2, o, n, hidden, out);
        double e = 0;
        double inv = 1.0 / n;
        for (int i = 0; i < n * out; i++) {
            double d = t[i] - o[i];
            e += 0.5 * d * d;
            d2[i] = (o[i] - t[i]) * inv * o[i] * (1 - o[i]);
        }
        gradients(d2, h, g2, n, hidden, out);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < hidden; p++) {
                double s = 0;
                for (int j = 0; j < out; j++) {
                    s += d2[i * out + j] * w2[j * hidden + p];
                }
                double a = h[i * hidden + p];
                d1[i * hidden + p] = s * a * (1 - a);
            }
        }
        gradients(d1, x, g1, n, in, hidden);
        sgd(w1, g1, hidden * in);
        sgd(w2, g2, out * hidden);
        return e / n;
    }

    private static void forward(double[] x, double[] w, double[] b, double[] a, int n, int in, int out) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < out; j++) {
                double z = 0;
                for (int p = 0; p < in; p++) {
                    z += x[i * in + p] * w[j * in + p];
                }
                a[i * out + j] = 1 / (1 + Math.exp(-(z + b[j])));
            }
        }
    }

    private static void gradients(double[] d, double[] x, double[] g, int n, int in, int out) {
        for (int j = 0; j < out; j++) {
            for (int p = 0; p < in; p++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += d[i * out + j] * x[i * in + p];
                }
                g[j * in + p] = s;
            }
        }
    }

    private void sgd(double[] w, double[] g, int size) {
        for (int i = 0; i < size; i++) {
            w[i] -= lr * g[i];
        }
    }
}
