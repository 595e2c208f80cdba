// SPDX-License-Identifier: Apache-2.0
/**
 * JMH benchmarks of the backends: matrix products in the three transpose cases a network uses
 * ({@link org.fcnn.bench.GemmBenchmark}) and whole training steps through the public API
 * ({@link org.fcnn.bench.TrainStepBenchmark}; with {@code -prof gc}, the bytes allocated per step), and the
 * tutorial's step in plain Java without the library ({@link org.fcnn.bench.TutorialFloorBenchmark}), the floor
 * that {@code tutorialStep} is read against. {@link org.fcnn.bench.PredictorLatencyBenchmark} times one
 * sample's prediction through a {@link org.fcnn.api.Predictor} (784-256-10 and 16-64-1) and
 * {@link org.fcnn.bench.PredictorThroughputBenchmark} its predictions per second with 1 and 2 calling threads.
 * {@link org.fcnn.bench.ServingLatencyBenchmark} and {@link org.fcnn.bench.ServingThroughputBenchmark} measure
 * the same two things side by side against ONNX Runtime running the same network exported with
 * {@code OnnxExport} ({@code OnnxRuntimeModel}); their setup fails unless both agree.
 * Build with {@code mvn -pl nn-bench -am package} and run {@code java -jar nn-bench/target/benchmarks.jar}; the
 * forked JVMs get {@code --add-modules jdk.incubator.vector} (see {@code docs/BENCHMARKS.md}).
 */
package org.fcnn.bench;
