// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fcnn.api.Network;
import org.fcnn.api.Predictor;
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
 * The latency of one sample's prediction, float32, on one calling thread: through a {@link Predictor}
 * ({@link #predictor}) and, for comparison, through the network itself ({@link #network}, which is not
 * thread-safe). Networks: {@code 784-256-10} (ReLU, softmax: a Fashion-MNIST classifier) and {@code 16-64-1}
 * (ReLU, identity: a small regression), random weights and inputs in [0, 1). With {@code -prof gc} the bytes
 * per call ({@code gc.alloc.rate.norm}) should be 0.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PredictorLatencyBenchmark {
    @Param({"784-256-10", "16-64-1"})
    String sizes;

    @Param("cpu")
    String backend;

    private Network network;
    private Predictor predictor;
    private float[] input;
    private float[] output;

    @Setup(Level.Trial)
    public void setUp() {
        network = PredictorNetworks.build(sizes, backend);
        predictor = Predictor.of(network);
        input = PredictorNetworks.inputs(network.inputSize(), 1, new Random(1));
        output = new float[network.outputSize()];
    }

    /** {@link Predictor#predict(float[], float[])}: one sample, into the caller's array. */
    @Benchmark
    public float[] predictor() {
        predictor.predict(input, output);
        return output;
    }

    /** {@link Network#predict(float[], int, float[])} with one sample, the single-threaded path. */
    @Benchmark
    public float[] network() {
        network.predict(input, 1, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        predictor.close();
        network.close();
    }
}
