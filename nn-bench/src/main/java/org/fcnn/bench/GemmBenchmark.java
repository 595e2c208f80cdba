// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fcnn.api.Backends;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square products {@code C [n x n] = op(A) op(B)} on one backend, in the transpose cases of a network:
 * {@code NT} (forward, {@code Z = X W^T}), {@code TN} (weight gradient, {@code dW = dZ^T X}) and {@code NN}
 * (input gradient, {@code dX = dZ W}). Time per product; GFLOP/s is {@code 2 n^3 / time}. The backend and
 * thread count come from {@code -p backend=...} and {@code -jvmArgsAppend -Dfcnn.cpu.threads=N}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"64", "256", "1024", "2048"})
    int size;

    @Param({"float32", "float64"})
    String precision;

    @Param({"NT", "TN", "NN"})
    String op;

    @Param("cpu")
    String backend;

    private Backend b;
    private Matrix a;
    private Matrix m;
    private Matrix c;
    private boolean transA;
    private boolean transB;

    @Setup(Level.Trial)
    public void setUp() {
        b = Backends.open(backend);
        Precision p = Precision.parse(precision);
        a = b.allocate(size, size, p);
        m = b.allocate(size, size, p);
        c = b.allocate(size, size, p);
        Random random = new Random(0);
        double[] values = new double[size * size];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        b.write(a, values, 0);
        b.write(m, values, 0);
        transA = op.charAt(0) == 'T';
        transB = op.charAt(1) == 'T';
    }

    @Benchmark
    public Matrix gemm() {
        b.gemm(transA, transB, 1, a, m, 0, c);
        return c;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        b.close();
    }
}
