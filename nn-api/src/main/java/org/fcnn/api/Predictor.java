// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.fcnn.io.ModelFile;
import org.fcnn.spi.Backend;
import org.fcnn.spi.ForwardContext;

/**
 * A trained network's forward pass that any number of threads may call at once, for serving: one sample
 * ({@link #predict(float[], float[])}) or a batch ({@link #predict(float[], int, float[])}), into arrays the
 * caller passes.
 * <pre>{@code
 * try (Predictor p = Predictor.load(Path.of("model.safetensors"))) {   // or Predictor.of(network)
 *     float[] out = new float[p.outputSize()];                        // one per request thread
 *     p.predict(pixels, out);                                          // from any thread
 * }
 * }</pre>
 *
 * <p><b>Its own weights.</b> A predictor copies the network's parameters when it is made and then only reads
 * them: training the network further, or closing it, does not change the predictor. Every thread shares that
 * one copy. No dropout is applied (inference).
 *
 * <p><b>Threads.</b> On a backend with {@link ForwardContext}s (the CPU backend) calls run at the same time,
 * each on a lane of its own: a context with its own input and activation matrices, sized by the largest batch
 * that lane has run. At most {@link #lanes()} calls compute at once (twice the cores, a power of two); further
 * callers wait for a lane, spinning briefly and then yielding. Each call computes on its calling thread alone,
 * since requests bring their own parallelism; a call's results are the same bits whichever thread or lane runs
 * it, and the same bits as {@link Network#predict(float[], int, float[])} on the same backend kind. A warm call
 * (its lane already as large as the batch) allocates nothing and takes no lock. A lane holds its matrices for
 * its largest batch and the backend's working memory (on the CPU, for batches of more than 4 samples, the
 * matrix product's packing buffers, a few hundred KiB for each operand). On a backend without contexts
 * (OpenCL, CUDA) calls take turns under a lock, on working matrices kept for the last four batch sizes; the
 * device's command queue runs work in order anyway.
 *
 * <p><b>Closing.</b> {@link #close()} waits for the calls already running, which finish normally, then frees
 * the weights and lanes (and the backend, if the predictor opened it); a call that starts after {@code close()}
 * began throws {@link IllegalStateException}. Bad arguments (array lengths, batch sizes, NaN or infinite inputs)
 * throw {@link IllegalArgumentException} naming the shape or element, before any work.
 */
public final class Predictor implements AutoCloseable {
    private final FrozenLayers layers;
    private final ForwardPasses passes;
    private final boolean ownsBackend;
    private final int lanes;
    /**
     * Written last in the constructor (the calls, which read the passes' own volatile flags first, see the
     * copied weights) and first by {@link #close()}.
     */
    private volatile boolean closed;
    private boolean released;

    private Predictor(Network network, Backend backend, boolean ownsBackend) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(backend, "backend");
        if (network.isClosed()) {
            throw new IllegalStateException("network is closed");
        }
        if (backend.isClosed()) {
            throw new IllegalStateException("backend " + backend.name() + " is closed");
        }
        FrozenLayers copied = FrozenLayers.copy(network, backend);
        try {
            ForwardContext first = backend.forwardContext();
            if (first != null) {
                this.lanes = laneSlots(Runtime.getRuntime().availableProcessors());
                this.passes = new ConcurrentPasses(copied, first, lanes);
            } else {
                this.lanes = 1;
                this.passes = new SerialPasses(copied);
            }
        } catch (RuntimeException e) {
            copied.close();
            throw e;
        }
        this.layers = copied;
        this.ownsBackend = ownsBackend;
        this.closed = false;
    }

    /** The most lanes for {@code cores} cores: the power of two at or above twice the cores. */
    static int laneSlots(int cores) {
        int want = Math.max(2, 2 * cores);
        return Integer.highestOneBit(want - 1) << 1;
    }

    // ------------------------------------------------------------------ making one

    /**
     * A predictor with a copy of {@code network}'s weights, on a new backend of the same kind as the network's
     * ({@link Backends#open(String)} with its name), which the predictor owns and closes: the network may be
     * trained further or closed meanwhile.
     *
     * @throws IllegalStateException       if the network is closed
     * @throws BackendUnavailableException if that backend cannot be opened
     */
    public static Predictor of(Network network) {
        Objects.requireNonNull(network, "network");
        if (network.isClosed()) {
            throw new IllegalStateException("network is closed");
        }
        Backend backend = Backends.open(network.backend().name());
        try {
            return new Predictor(network, backend, true);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * A predictor with a copy of {@code network}'s weights on {@code backend} (the network's own, or another),
     * which the caller keeps open until the predictor is closed and then closes. On a backend without
     * {@link ForwardContext}s the predictor must be its only user while calls run.
     *
     * @throws IllegalStateException    if the network or the backend is closed
     * @throws IllegalArgumentException if the backend does not support the network's precision
     */
    public static Predictor of(Network network, Backend backend) {
        return new Predictor(network, backend, false);
    }

    /**
     * A predictor for the model in {@code file} ({@link ModelFile}'s safetensors format) on the selected backend
     * ({@link Backends#open()}), which the predictor owns.
     *
     * @throws org.fcnn.io.ModelFileException if the file is not a valid model file
     * @throws IOException                    if it cannot be read
     */
    public static Predictor load(Path file) throws IOException {
        return load(file, (String) null);
    }

    /**
     * As {@link #load(Path)} on the backend called {@code backendName} ({@code null} or {@code auto}: the
     * selected one), which the predictor owns.
     */
    public static Predictor load(Path file, String backendName) throws IOException {
        ModelFile.SavedModel model = ModelFile.read(file);
        Backend backend = Backends.open(backendName);
        try (Network network = model.network(backend)) {
            return new Predictor(network, backend, true);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** As {@link #load(Path)} on {@code backend}, which the caller keeps open until the predictor is closed. */
    public static Predictor load(Path file, Backend backend) throws IOException {
        Objects.requireNonNull(backend, "backend");
        try (Network network = ModelFile.read(file).network(backend)) {
            return new Predictor(network, backend, false);
        }
    }

    // ------------------------------------------------------------------ description

    public int inputSize() {
        return layers.inputSize();
    }

    public int outputSize() {
        return layers.outputSize();
    }

    /** The layer sizes from input to output, e.g. {@code [784, 256, 10]}. */
    public int[] sizes() {
        return layers.sizes.clone();
    }

    public Precision precision() {
        return layers.precision;
    }

    /** The backend the predictor computes on (for diagnostics; do not close it while the predictor is open). */
    public Backend backend() {
        return layers.backend;
    }

    /** Whether calls compute at the same time (the backend makes {@link ForwardContext}s), or take turns. */
    public boolean concurrent() {
        return passes.concurrent();
    }

    /** The most calls that compute at the same time: twice the cores, a power of two; 1 when calls take turns. */
    public int lanes() {
        return lanes;
    }

    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ predictions

    /**
     * The network's output {@code [outputSize()]} for one sample {@code input [inputSize()]}, into {@code output}.
     *
     * @throws IllegalArgumentException if a length is wrong or an input is NaN or infinite
     * @throws IllegalStateException    if the predictor is closed
     */
    public void predict(float[] input, float[] output) {
        checkSample("input", input == null ? -1 : input.length, inputSize());
        checkSample("output", output == null ? -1 : output.length, outputSize());
        passes.run(input, 1, output);
    }

    /** As {@link #predict(float[], float[])} in doubles (a float32 network rounds the inputs to float). */
    public void predict(double[] input, double[] output) {
        checkSample("input", input == null ? -1 : input.length, inputSize());
        checkSample("output", output == null ? -1 : output.length, outputSize());
        passes.run(input, 1, output);
    }

    /**
     * Outputs for {@code n} samples: {@code inputs [n x inputSize()]} into {@code outputs [n x outputSize()]},
     * row-major, one sample a row.
     *
     * @throws IllegalArgumentException if {@code n < 1}, a length is not {@code n} rows, or an input is NaN or
     *                                  infinite
     * @throws IllegalStateException    if the predictor is closed
     */
    public void predict(float[] inputs, int n, float[] outputs) {
        Network.checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize());
        Network.checkBatch("outputs", outputs == null ? -1 : outputs.length, n, outputSize());
        passes.run(inputs, n, outputs);
    }

    /** As {@link #predict(float[], int, float[])} in doubles (a float32 network rounds the inputs to float). */
    public void predict(double[] inputs, int n, double[] outputs) {
        Network.checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize());
        Network.checkBatch("outputs", outputs == null ? -1 : outputs.length, n, outputSize());
        passes.run(inputs, n, outputs);
    }

    private static void checkSample(String what, int length, int width) {
        if (length < 0) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (length != width) {
            throw new IllegalArgumentException(what + " for one sample needs " + width + " values ([1 x " + width
                    + "]), got " + length);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Stops new calls (they throw {@link IllegalStateException}), waits for the calls already running to
     * finish, then frees the weights and lanes, and the backend if the predictor opened it. Idempotent; a
     * second caller waits until the first has finished.
     */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        closed = true;
        boolean interrupted = passes.shutDown();
        released = true;
        try {
            if (!layers.backend.isClosed()) {
                passes.close();
                layers.close();
            }
        } finally {
            if (ownsBackend) {
                layers.backend.close();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Predictor(").append(layers.sizes[0]);
        for (int i = 0; i < layers.count(); i++) {
            sb.append(" -> ").append(layers.sizes[i + 1]).append(' ').append(layers.activations[i].id());
        }
        return sb.append(", ").append(layers.precision).append(", on ").append(layers.backend.name())
                .append(concurrent() ? ", " + lanes + " lanes" : ", one call at a time")
                .append(closed ? ", closed" : "").append(')').toString();
    }
}
