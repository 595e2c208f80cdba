// SPDX-License-Identifier: Apache-2.0
package org.fcnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.fcnn.api.Network;
import org.fcnn.api.Predictor;
import org.fcnn.onnx.OnnxExport;

/**
 * A network exported with {@link OnnxExport#toBytes(Network)} and loaded into one ONNX Runtime session, for the
 * serving benchmarks. The session runs each call on its calling thread alone ({@code intra_op} and
 * {@code inter_op} threads 1, sequential execution, all graph optimisations), as fcnn's {@link Predictor} does;
 * {@code OrtSession.run} is thread-safe, so several threads share it, each through a {@link Caller} of its own.
 *
 * <p>Call order: {@link #of(Network)}, {@link #caller()} per thread, {@link Caller#predict} any number of times,
 * {@link Caller#close()}, {@link #close()}. The environment is ONNX Runtime's process-wide one and stays open.
 */
final class OnnxRuntimeModel implements AutoCloseable {
    /**
     * Agreement of ONNX Runtime's outputs with fcnn's, relative to {@code max(1, |fcnn|)}: float32 1e-5. Both
     * compute each output as float32 dot products of at most 784 terms in different orders and blockings (a few
     * ulps of the sum each); a wrong layout, bias or activation gives errors of order 0.1 (as nn-onnx-it's
     * {@code OnnxRuntimeAgreementTest} argues).
     */
    static final double FLOAT32_TOLERANCE = 1e-5;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int inputSize;
    private final int outputSize;

    private OnnxRuntimeModel(OrtEnvironment env, OrtSession session, int inputSize, int outputSize) {
        this.env = env;
        this.session = session;
        this.inputSize = inputSize;
        this.outputSize = outputSize;
    }

    /** {@code network} exported as ONNX, in a session with one thread per call. */
    static OnnxRuntimeModel of(Network network) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(OnnxExport.toBytes(network), options);
            return new OnnxRuntimeModel(env, session, network.inputSize(), network.outputSize());
        }
    }

    /** A new caller: its own input and output tensors, for one thread at a time. */
    Caller caller() throws OrtException {
        return new Caller();
    }

    /** ONNX Runtime's version, for the benchmark's log. */
    String version() {
        return env.getVersion();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /**
     * One sample at a time through the session: the input {@code [1 x inputs]} and output {@code [1 x outputs]}
     * tensors are made once, over direct float buffers in native order (ONNX Runtime then reads and writes those
     * buffers in place, no copy), and reused by every call; the output is bound as a pinned output
     * ({@code run(inputs, pinnedOutputs)}), so ONNX Runtime allocates no output tensor per call. A call copies the
     * caller's {@code float[]} into the input buffer and the output buffer into the caller's {@code float[]}, as a
     * server that gets requests as arrays would; it still allocates the run's small {@code Result} and maps.
     */
    final class Caller implements AutoCloseable {
        private final FloatBuffer in;
        private final FloatBuffer out;
        private final OnnxTensor inTensor;
        private final OnnxTensor outTensor;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxTensor> outputs;

        private Caller() throws OrtException {
            in = directFloats(inputSize);
            out = directFloats(outputSize);
            inTensor = OnnxTensor.createTensor(env, in, new long[] {1, inputSize});
            try {
                outTensor = OnnxTensor.createTensor(env, out, new long[] {1, outputSize});
            } catch (OrtException | RuntimeException e) {
                inTensor.close();
                throw e;
            }
            inputs = Map.of(OnnxExport.INPUT_NAME, inTensor);
            outputs = Map.of(OnnxExport.OUTPUT_NAME, outTensor);
        }

        /** Predicts one sample: {@code x} has {@code inputs} values, {@code y} gets {@code outputs} values. */
        void predict(float[] x, float[] y) throws OrtException {
            in.put(0, x);
            try (OrtSession.Result r = session.run(inputs, outputs)) {
                out.get(0, y);
            }
        }

        @Override
        public void close() {
            inTensor.close();
            outTensor.close();
        }
    }

    private static FloatBuffer directFloats(int n) {
        return ByteBuffer.allocateDirect(Float.BYTES * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * Fails unless {@code predictor} and {@code caller} agree within {@link #FLOAT32_TOLERANCE} on {@code first}
     * and on 15 more samples in [0, 1) (seed 7): a benchmark of two different functions would mean nothing.
     *
     * @throws IllegalStateException naming the sample, the output and both values, if they differ by more
     */
    static void checkAgreement(Predictor predictor, Caller caller, float[] first) throws OrtException {
        Random random = new Random(7);
        float[] fcnn = new float[predictor.outputSize()];
        float[] ort = new float[predictor.outputSize()];
        for (int s = 0; s < 16; s++) {
            float[] x = s == 0 ? first : PredictorNetworks.inputs(predictor.inputSize(), 1, random);
            predictor.predict(x, fcnn);
            caller.predict(x, ort);
            for (int j = 0; j < fcnn.length; j++) {
                double error = Math.abs((double) ort[j] - fcnn[j]) / Math.max(1.0, Math.abs(fcnn[j]));
                if (!(error <= FLOAT32_TOLERANCE)) {
                    throw new IllegalStateException("ONNX Runtime and fcnn disagree on sample " + s + ", output "
                            + j + ": " + ort[j] + " against " + fcnn[j] + " (relative error " + error
                            + " > " + FLOAT32_TOLERANCE + ")");
                }
            }
        }
    }
}
