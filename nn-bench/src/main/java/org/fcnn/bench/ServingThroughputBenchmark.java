// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import ai.onnxruntime.OrtException;
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
 * Single-sample predictions per second, float32, with 1 and 2 calling threads sharing one model, side by side
 * on the same network ({@code 784-256-10}, ReLU, softmax, seed 42): one fcnn {@link Predictor}
 * ({@link #fcnnOneThread}, {@link #fcnnTwoThreads}) and one ONNX Runtime session of the network exported with
 * {@code OnnxExport} ({@link #onnxRuntimeOneThread}, {@link #onnxRuntimeTwoThreads}; {@code OrtSession.run} is
 * thread-safe; one thread per run). JMH reports the sum over the threads. Each thread has its own arrays and
 * ONNX Runtime tensors ({@link Caller}). The setup fails unless both give the same outputs within float32 1e-5.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ServingThroughputBenchmark {
    @Param({"784-256-10"})
    String sizes;

    Predictor predictor;
    OnnxRuntimeModel model;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        try (Network network = PredictorNetworks.build(sizes, "cpu")) {
            predictor = Predictor.of(network);
            model = OnnxRuntimeModel.of(network);
        }
    }

    /** One calling thread's arrays and ONNX Runtime tensors; checks agreement on its own input. */
    @State(Scope.Thread)
    public static class Caller {
        float[] input;
        float[] output;
        OnnxRuntimeModel.Caller ort;

        @Setup(Level.Trial)
        public void setUp(ServingThroughputBenchmark b) throws OrtException {
            input = PredictorNetworks.inputs(b.predictor.inputSize(), 1, new Random(Thread.currentThread().getId()));
            output = new float[b.predictor.outputSize()];
            ort = b.model.caller();
            OnnxRuntimeModel.checkAgreement(b.predictor, ort, input);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ort.close();
        }
    }

    @Benchmark
    @Threads(1)
    public float[] fcnnOneThread(Caller c) {
        predictor.predict(c.input, c.output);
        return c.output;
    }

    @Benchmark
    @Threads(2)
    public float[] fcnnTwoThreads(Caller c) {
        predictor.predict(c.input, c.output);
        return c.output;
    }

    @Benchmark
    @Threads(1)
    public float[] onnxRuntimeOneThread(Caller c) throws OrtException {
        c.ort.predict(c.input, c.output);
        return c.output;
    }

    @Benchmark
    @Threads(2)
    public float[] onnxRuntimeTwoThreads(Caller c) throws OrtException {
        c.ort.predict(c.input, c.output);
        return c.output;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        model.close();
        predictor.close();
    }
}
