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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The latency of one sample's prediction, float32, one calling thread, side by side on the same network:
 * fcnn's {@link Predictor#predict(float[], float[])} ({@link #fcnn}) and ONNX Runtime running that network
 * exported with {@code OnnxExport} ({@link #onnxRuntime}; one thread per run, reused input and pinned output
 * tensors, see {@link OnnxRuntimeModel.Caller}). Both take the input from a {@code float[]} and write the
 * output into the caller's {@code float[]}. Networks from {@link PredictorNetworks} ({@code 784-256-10}: ReLU,
 * softmax; {@code 16-64-1}: ReLU, identity; seed 42), input in [0, 1). The setup fails unless both give the same
 * outputs within float32 1e-5 ({@link OnnxRuntimeModel#checkAgreement}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ServingLatencyBenchmark {
    @Param({"784-256-10", "16-64-1"})
    String sizes;

    private Predictor predictor;
    private OnnxRuntimeModel model;
    private OnnxRuntimeModel.Caller caller;
    private float[] input;
    private float[] output;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        try (Network network = PredictorNetworks.build(sizes, "cpu")) {
            predictor = Predictor.of(network);
            model = OnnxRuntimeModel.of(network);
        }
        caller = model.caller();
        input = PredictorNetworks.inputs(predictor.inputSize(), 1, new Random(1));
        output = new float[predictor.outputSize()];
        OnnxRuntimeModel.checkAgreement(predictor, caller, input);
    }

    /** fcnn: {@link Predictor#predict(float[], float[])}, one sample into the caller's array. */
    @Benchmark
    public float[] fcnn() {
        predictor.predict(input, output);
        return output;
    }

    /** ONNX Runtime: {@code OrtSession.run} on the exported network, one sample into the caller's array. */
    @Benchmark
    public float[] onnxRuntime() throws OrtException {
        caller.predict(input, output);
        return output;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        caller.close();
        model.close();
        predictor.close();
    }
}
