// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
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
 * One training step through the public {@link Network} API: the tutorial's 2-2-2 step
 * ({@link #tutorialStep}, float64, one sample) and a Fashion-MNIST-shaped step
 * ({@link #mlpStep}: 784-H-10, sigmoid, softmax + cross-entropy, SGD 0.1, float32, random inputs).
 * Run with {@code -prof gc} to see the bytes allocated per step ({@code gc.alloc.rate.norm}), which should be 0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TrainStepBenchmark {
    private static final double[] X = {0.05, 0.10};
    private static final double[] T = {0.01, 0.99};

    @Param({"128"})
    int hidden;

    @Param({"64"})
    int batch;

    @Param("cpu")
    String backend;

    private Network tutorial;
    private Network mlp;
    private float[] inputs;
    private float[] targets;

    @Setup(Level.Trial)
    public void setUp() {
        tutorial = Network.builder()
                .input(2)
                .dense(2, Activation.SIGMOID, Bias.frozen(0.35))
                .dense(2, Activation.SIGMOID, Bias.frozen(0.60))
                .loss(Loss.SQUARED_ERROR)
                .optimizer(Optimizer.sgd(0.5))
                .precision(Precision.FLOAT64)
                .backend(backend)
                .build();
        tutorial.layer(0).setWeights(new double[][] {{0.15, 0.20}, {0.25, 0.30}});
        tutorial.layer(1).setWeights(new double[][] {{0.40, 0.45}, {0.50, 0.55}});
        mlp = Network.builder()
                .input(784)
                .dense(hidden, Activation.SIGMOID)
                .dense(10, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .optimizer(Optimizer.sgd(0.1))
                .precision(Precision.FLOAT32)
                .backend(backend)
                .build();
        Random random = new Random(0);
        inputs = new float[batch * 784];
        targets = new float[batch * 10];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextFloat();
        }
        for (int i = 0; i < batch; i++) {
            targets[i * 10 + random.nextInt(10)] = 1;
        }
    }

    /** The tutorial's step: forward, loss, backward, SGD update of 8 weights. */
    @Benchmark
    public double tutorialStep() {
        return tutorial.trainStep(X, T);
    }

    /** One mini-batch step of a 784-H-10 network. */
    @Benchmark
    public double mlpStep() {
        return mlp.trainBatch(inputs, targets, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tutorial.close();
        mlp.close();
    }
}
