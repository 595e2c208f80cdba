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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-sample predictions per second of one shared {@link Predictor} (784-256-10, ReLU, softmax, float32)
 * called by 1 and by 2 threads at once ({@link #oneThread}, {@link #twoThreads}; JMH reports the sum over
 * the threads). Each thread has its own input and output arrays ({@link Caller}); the predictor gives each
 * concurrent call a lane of its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PredictorThroughputBenchmark {
    @Param({"784-256-10"})
    String sizes;

    @Param("cpu")
    String backend;

    private Network network;
    Predictor predictor;

    @Setup(Level.Trial)
    public void setUp() {
        network = PredictorNetworks.build(sizes, backend);
        predictor = Predictor.of(network);
    }

    /** One calling thread's arrays. */
    @State(Scope.Thread)
    public static class Caller {
        float[] input;
        float[] output;

        @Setup(Level.Trial)
        public void setUp(PredictorThroughputBenchmark b) {
            input = PredictorNetworks.inputs(b.predictor.inputSize(), 1, new Random(Thread.currentThread().getId()));
            output = new float[b.predictor.outputSize()];
        }
    }

    @Benchmark
    @Threads(1)
    public float[] oneThread(Caller c) {
        predictor.predict(c.input, c.output);
        return c.output;
    }

    @Benchmark
    @Threads(2)
    public float[] twoThreads(Caller c) {
        predictor.predict(c.input, c.output);
        return c.output;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        predictor.close();
        network.close();
    }
}
