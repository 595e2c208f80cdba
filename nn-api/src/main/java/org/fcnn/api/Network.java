// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.fcnn.spi.Backend;
import org.fcnn.spi.DenseStack;
import org.fcnn.spi.Matrix;

/**
 * A feed-forward network of dense {@link Layer}s, computed on one {@link Backend}.
 *
 * <p>Build one with {@link #builder()}. The tutorial's 2-2-2 network:
 * <pre>{@code
 * try (Network net = Network.builder()
 *         .input(2)
 *         .dense(2, Activation.SIGMOID, Bias.frozen(0.35))
 *         .dense(2, Activation.SIGMOID, Bias.frozen(0.60))
 *         .loss(Loss.SQUARED_ERROR)
 *         .optimizer(Optimizer.sgd(0.5))
 *         .precision(Precision.FLOAT64)
 *         .build()) {
 *     net.layer(0).setWeights(new double[][] {{0.15, 0.20}, {0.25, 0.30}});
 *     net.layer(1).setWeights(new double[][] {{0.40, 0.45}, {0.50, 0.55}});
 *     double e = net.trainStep(new double[] {0.05, 0.10}, new double[] {0.01, 0.99});
 * }
 * }</pre>
 *
 * <p>Call order for one training step at the low level: {@link #forward(Matrix)} (with
 * {@link #setTraining(boolean) training} on, for dropout), optionally {@link #loss(Matrix)}, then
 * {@link #backward(Matrix)}, then {@link #step()}. {@link #trainStep} and {@link #trainBatch} do all four
 * from plain arrays. Both layers' gradients are computed from the weights before the step, as in the tutorial.
 *
 * <p>Shapes: a batch of {@code n} samples is {@code [n x inputSize()]}, row-major, one sample a row; outputs
 * are {@code [n x outputSize()]}. Working memory is allocated once per batch size and reused, so a steady
 * training loop allocates nothing. Closing it frees its backend memory, and the backend too if the network
 * opened it itself.
 *
 * <p><b>Threads.</b> A network is not thread-safe: use it from one thread at a time (handing it from one
 * thread to another with the usual happens-before, for example through an executor, is fine). A call that
 * finds another thread inside one of the network's methods (training, predicting, reading or setting
 * parameters, closing) fails fast with an {@link IllegalStateException} naming both threads, before it
 * touches anything; the other thread's call is not disturbed (the check is exact: one compare-and-set per
 * call). To serve predictions from many threads, make a {@link Predictor} from the network: it is
 * thread-safe.
 */
public final class Network implements AutoCloseable {
    private final Backend backend;
    private final boolean ownsBackend;
    private final SingleThreadedUse use = new SingleThreadedUse("a Network");
    private final Precision precision;
    private final Loss loss;
    private final int inputSize;
    private final List<Layer> layers;
    /** The same layers as an array, for the hot paths (no iterator allocation). */
    private final Layer[] stack;
    private final long seed;
    /** Whether a layer drops out nodes in training (then a step cannot go through {@link Backend#sgdStep}). */
    private final boolean hasDropout;
    private Optimizer optimizer;
    private boolean training;
    private long steps;
    private final List<Workspace> workspaces = new ArrayList<>();
    private Workspace current;
    private boolean closed;

    private Network(Builder b, Backend backend, boolean ownsBackend) {
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.precision = b.precision;
        this.loss = b.loss;
        this.inputSize = b.inputSize;
        this.optimizer = b.optimizer;
        this.seed = b.seed;
        List<Layer> built = new ArrayList<>();
        try {
            int in = b.inputSize;
            for (int i = 0; i < b.specs.size(); i++) {
                LayerSpec s = b.specs.get(i);
                Layer layer = new Layer(backend, precision, i, in, s.outputs, s.activation, s.bias, s.dropout,
                        b.optimizer.stateSlots());
                built.add(layer);
                double[] w = new double[s.outputs * in];
                b.initializer(s.activation).initialize(i, in, s.outputs, w);
                layer.setWeights(w);
                in = s.outputs;
            }
        } catch (RuntimeException e) {
            built.forEach(Layer::close);
            if (ownsBackend) {
                backend.close();
            }
            throw e;
        }
        this.layers = Collections.unmodifiableList(built);
        this.stack = built.toArray(new Layer[0]);
        this.hasDropout = built.stream().anyMatch(l -> l.dropout() > 0);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ description

    public List<Layer> layers() {
        return layers;
    }

    /** Layer {@code index}, 0 being the first after the input. */
    public Layer layer(int index) {
        if (index < 0 || index >= layers.size()) {
            throw new IndexOutOfBoundsException("layer " + index + " of a network with " + layers.size() + " layers");
        }
        return layers.get(index);
    }

    public int inputSize() {
        return inputSize;
    }

    public int outputSize() {
        return stack[stack.length - 1].outputs();
    }

    /** The layer sizes from input to output, e.g. {@code [784, 256, 10]}. */
    public int[] sizes() {
        int[] sizes = new int[layers.size() + 1];
        sizes[0] = inputSize;
        for (int i = 0; i < layers.size(); i++) {
            sizes[i + 1] = layers.get(i).outputs();
        }
        return sizes;
    }

    public Loss loss() {
        return loss;
    }

    public Precision precision() {
        return precision;
    }

    public Backend backend() {
        return backend;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Replaces the optimizer, e.g. to change the learning rate. Switching to another kind resets the
     * optimizer's state (velocities, moments).
     */
    public void setOptimizer(Optimizer optimizer) {
        use.enter("setOptimizer");
        try {
            Objects.requireNonNull(optimizer, "optimizer");
            ensureOpen();
            if (optimizer.kind() != this.optimizer.kind()) {
                for (Layer l : layers) {
                    l.resetOptimizerState(optimizer.stateSlots());
                }
                steps = 0;
            }
            this.optimizer = optimizer;
        } finally {
            use.exit();
        }
    }

    /** Number of trainable parameters. */
    public long parameterCount() {
        long n = 0;
        for (Layer l : layers) {
            n += l.parameterCount();
        }
        return n;
    }

    /** Training mode applies dropout in {@link #forward}; off by default and for {@code predict}. */
    public void setTraining(boolean training) {
        use.enter("setTraining");
        try {
            this.training = training;
        } finally {
            use.exit();
        }
    }

    public boolean isTraining() {
        return training;
    }

    /** Number of optimizer steps taken. */
    public long steps() {
        return steps;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ low level: matrices on the backend

    /**
     * Runs the network on a batch {@code input [n x inputSize()]} on this network's backend and returns the
     * output {@code [n x outputSize()]}. The returned matrix belongs to the network and is overwritten by the
     * next forward pass with the same batch size.
     */
    public Matrix forward(Matrix input) {
        use.enter("forward");
        try {
            ensureOpen();
            Objects.requireNonNull(input, "input");
            if (input.cols() != inputSize || input.precision() != precision) {
                throw new IllegalArgumentException("input must be [n x " + inputSize + "] " + precision + ", got " + input.shape());
            }
            Workspace ws = workspace(input.rows());
            ws.input = input;
            return forwardPass(ws);
        } finally {
            use.exit();
        }
    }

    /** The forward pass of {@code ws.input}, layer by layer: dense (fused), then dropout when training. */
    private Matrix forwardPass(Workspace ws) {
        Matrix in = ws.input;
        for (int i = 0; i < stack.length; i++) {
            Layer layer = stack[i];
            Matrix a = ws.activations[i];
            backend.denseForward(in, layer.weights, layer.biases, layer.activation(), a);
            if (training && layer.dropout() > 0) {
                backend.dropout(a, ws.masks[i], ws.dropped[i], layer.dropout(), dropoutSeed(i));
                in = ws.dropped[i];
            } else {
                in = a;
            }
        }
        ws.forwardTraining = training;
        return ws.activations[stack.length - 1];
    }

    /**
     * The output {@code A [n x layer(index).outputs()]} of layer {@code index} in the last forward pass, before
     * dropout, copied row-major (for inspection, e.g. the tutorial's hidden values Y1 and Y2).
     */
    public double[] layerOutput(int index) {
        use.enter("layerOutput");
        try {
            layer(index);
            if (current == null || current.input == null) {
                throw new IllegalStateException("no forward pass has run yet");
            }
            return current.activations[index].toArray();
        } finally {
            use.exit();
        }
    }

    /** The loss of the last forward pass's output against {@code target [n x outputSize()]}, averaged over the batch. */
    public double loss(Matrix target) {
        use.enter("loss");
        try {
            Workspace ws = lastForward(target);
            return backend.loss(loss, ws.activations[stack.length - 1], target);
        } finally {
            use.exit();
        }
    }

    /**
     * Back-propagates the loss of the last forward pass against {@code target [n x outputSize()]}, leaving
     * {@code dE/dW} and {@code dE/db} in each layer (see {@link Layer#weightGradient()}). Does not change the
     * parameters; {@link #step()} does.
     */
    public void backward(Matrix target) {
        use.enter("backward");
        try {
            Workspace ws = lastForward(target);
            backwardPass(ws, target);
        } finally {
            use.exit();
        }
    }

    /** Back-propagation through the stack: the output error, then per layer its gradients and the error below. */
    private void backwardPass(Workspace ws, Matrix target) {
        int last = stack.length - 1;
        backend.outputDelta(loss, stack[last].activation(), ws.activations[last], target, ws.deltas[last]);
        for (int i = last; i >= 0; i--) {
            Layer layer = stack[i];
            boolean droppedBelow = i > 0 && ws.forwardTraining && stack[i - 1].dropout() > 0;
            Matrix in = i == 0 ? ws.input : (droppedBelow ? ws.dropped[i - 1] : ws.activations[i - 1]);
            backend.denseGradients(ws.deltas[i], in, layer.weightGradient, layer.biasGradient);
            if (i > 0) {
                backend.backpropagate(ws.deltas[i], layer.weights, droppedBelow ? ws.masks[i - 1] : null,
                        stack[i - 1].activation(), ws.activations[i - 1], ws.deltas[i - 1]);
            }
        }
    }

    /** Applies the optimizer to every trainable parameter using the gradients of the last {@link #backward}. */
    public void step() {
        use.enter("step");
        try {
            ensureOpen();
            steps++;
            for (Layer layer : stack) {
                update(layer.weights, layer.weightGradient, layer.weightState);
                if (layer.biasGradient != null) {
                    update(layer.biases, layer.biasGradient, layer.biasState);
                }
            }
        } finally {
            use.exit();
        }
    }

    private void update(Matrix p, Matrix g, Matrix[] state) {
        Optimizer o = optimizer;
        switch (o.kind()) {
            case SGD:
                backend.sgdUpdate(p, g, o.learningRate(), o.weightDecay());
                break;
            case MOMENTUM:
                backend.momentumUpdate(p, g, state[0], o.learningRate(), o.momentum(), o.weightDecay());
                break;
            case ADAM:
                backend.adamUpdate(p, g, state[0], state[1], o.learningRate(), o.beta1(), o.beta2(), o.epsilon(),
                        steps, o.weightDecay());
                break;
            default:
                throw new IllegalStateException("unknown optimizer " + o.kind());
        }
    }

    // ------------------------------------------------------------------ plain arrays

    /**
     * One training step on one sample: forward, loss, backward, update. Returns the loss before the update
     * (the tutorial's E). Allocates nothing once warm.
     */
    public double trainStep(double[] input, double[] target) {
        use.enter("trainStep");
        try {
            return trainBatch(input, target, 1);
        } finally {
            use.exit();
        }
    }

    /**
     * One training step on a batch: {@code inputs} row-major {@code [n x inputSize()]}, {@code targets}
     * {@code [n x outputSize()]}. Returns the batch's mean loss before the update.
     */
    public double trainBatch(double[] inputs, double[] targets, int n) {
        use.enter("trainBatch");
        try {
            Workspace ws = upload(inputs, targets, n);
            return train(ws);
        } finally {
            use.exit();
        }
    }

    /** As {@link #trainBatch(double[], double[], int)}, from float arrays. */
    public double trainBatch(float[] inputs, float[] targets, int n) {
        use.enter("trainBatch");
        try {
            Workspace ws = upload(inputs, targets, n);
            return train(ws);
        } finally {
            use.exit();
        }
    }

    private double train(Workspace ws) {
        Optimizer o = optimizer;
        if (o.kind() == Optimizer.Kind.SGD && !hasDropout) {
            // One backend call for the whole step (Backend.sgdStep: the same result as the calls below).
            ws.input = ws.x;
            ws.forwardTraining = true;
            double e = backend.sgdStep(ws.stack(), loss, o.learningRate(), o.weightDecay());
            steps++;
            return e;
        }
        boolean was = training;
        training = true;
        try {
            ws.input = ws.x;
            Matrix output = forwardPass(ws);
            double e = backend.loss(loss, output, ws.target);
            backwardPass(ws, ws.target);
            step();
            return e;
        } finally {
            training = was;
        }
    }

    /** The mean loss of {@code n} samples without training (no dropout). */
    public double evaluateLoss(double[] inputs, double[] targets, int n) {
        use.enter("evaluateLoss");
        try {
            Workspace ws = upload(inputs, targets, n);
            boolean was = training;
            training = false;
            try {
                forward(ws.x);
                return loss(ws.target);
            } finally {
                training = was;
            }
        } finally {
            use.exit();
        }
    }

    /** The network's output {@code [outputSize()]} for one sample (no dropout). */
    public double[] predict(double[] input) {
        use.enter("predict");
        try {
            double[] out = new double[outputSize()];
            predict(input, 1, out);
            return out;
        } finally {
            use.exit();
        }
    }

    /** Outputs for {@code n} samples: {@code inputs [n x inputSize()]} into {@code outputs [n x outputSize()]}, row-major. */
    public void predict(double[] inputs, int n, double[] outputs) {
        use.enter("predict");
        try {
            checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize);
            checkBatch("outputs", outputs == null ? -1 : outputs.length, n, outputSize());
            Workspace ws = workspace(n);
            backend.write(ws.x, inputs, 0);
            backend.read(inference(ws), outputs, 0);
        } finally {
            use.exit();
        }
    }

    /** Outputs for {@code n} samples from float arrays. */
    public void predict(float[] inputs, int n, float[] outputs) {
        use.enter("predict");
        try {
            checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize);
            checkBatch("outputs", outputs == null ? -1 : outputs.length, n, outputSize());
            Workspace ws = workspace(n);
            backend.write(ws.x, inputs, 0);
            backend.read(inference(ws), outputs, 0);
        } finally {
            use.exit();
        }
    }

    private Matrix inference(Workspace ws) {
        boolean was = training;
        training = false;
        try {
            return forward(ws.x);
        } finally {
            training = was;
        }
    }

    private Workspace upload(double[] inputs, double[] targets, int n) {
        checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize);
        checkBatch("targets", targets == null ? -1 : targets.length, n, outputSize());
        Workspace ws = workspace(n);
        backend.write(ws.x, inputs, 0);
        backend.write(ws.target, targets, 0);
        return ws;
    }

    private Workspace upload(float[] inputs, float[] targets, int n) {
        checkBatch("inputs", inputs == null ? -1 : inputs.length, n, inputSize);
        checkBatch("targets", targets == null ? -1 : targets.length, n, outputSize());
        Workspace ws = workspace(n);
        backend.write(ws.x, inputs, 0);
        backend.write(ws.target, targets, 0);
        return ws;
    }

    /** Rejects an array that does not hold a batch of {@code n} rows of {@code width} (also used by {@link Predictor}). */
    static void checkBatch(String what, int length, int n, int width) {
        if (n <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + n);
        }
        if (length < 0) {
            throw new IllegalArgumentException(what + " is null");
        }
        if ((long) n * width != length) {
            throw new IllegalArgumentException(what + " for a batch of " + n + " need " + ((long) n * width)
                    + " values ([" + n + " x " + width + "]), got " + length);
        }
    }

    // ------------------------------------------------------------------ data-parallel training

    /**
     * The trainable parameters as one flat array in the layout of {@link Gradients}: per layer its weights
     * {@code [out x in]} row-major, then its bias {@code [out]} when trainable ({@link #parameterCount()} values).
     */
    public double[] parameters() {
        use.enter("parameters");
        try {
            ensureOpen();
            double[] p = new double[Gradients.checkedCount(parameterCount())];
            readAll(p, false, 0);
            return p;
        } finally {
            use.exit();
        }
    }

    /**
     * Sets the trainable parameters from a flat array in the layout of {@link #parameters()}.
     *
     * @throws IllegalArgumentException if the length is not {@link #parameterCount()} or a value is not finite
     */
    public void setParameters(double[] values) {
        use.enter("setParameters");
        try {
            ensureOpen();
            checkFlat("parameters", values);
            writeAll(values, false, 0);
        } finally {
            use.exit();
        }
    }

    /**
     * Computes the gradients of one share of a batch, {@code inputs [n x inputSize()]} and
     * {@code targets [n x outputSize()]}, in training mode, and <em>adds</em> their sum over the share's rows
     * ({@code n} times the share's mean gradient) and its loss sum to {@code sum}; the parameters and the
     * optimizer do not change. The sums of the shares of a batch, applied with {@link #step(Gradients)}, give the
     * step {@link #trainBatch} takes on the whole batch (to rounding; with dropout the masks depend on a sample's
     * row in the share, so they differ from the whole batch's). Returns the share's mean loss.
     *
     * @throws IllegalArgumentException if a length does not fit {@code n}, a value is not finite, or {@code sum}
     *                                  has another size than {@link #parameterCount()}
     */
    public double accumulateGradients(float[] inputs, float[] targets, int n, Gradients sum) {
        use.enter("accumulateGradients");
        try {
            checkSum(sum);
            return accumulate(upload(inputs, targets, n), sum);
        } finally {
            use.exit();
        }
    }

    /** As {@link #accumulateGradients(float[], float[], int, Gradients)}, from double arrays. */
    public double accumulateGradients(double[] inputs, double[] targets, int n, Gradients sum) {
        use.enter("accumulateGradients");
        try {
            checkSum(sum);
            return accumulate(upload(inputs, targets, n), sum);
        } finally {
            use.exit();
        }
    }

    /** See {@link #parameterScratch()}. */
    private double[] parameterScratch;

    private double accumulate(Workspace ws, Gradients sum) {
        boolean was = training;
        training = true;
        try {
            ws.input = ws.x;
            Matrix output = forwardPass(ws);
            double e = backend.loss(loss, output, ws.target);
            backwardPass(ws, ws.target);
            double[] g = parameterScratch();
            readAll(g, true, 0);
            sum.accumulate(g, ws.n, e, ws.n);
            return e;
        } finally {
            training = was;
        }
    }

    /**
     * A {@code double[parameterCount()]} that {@link #accumulate} and {@link #step(Gradients)} reuse, so that
     * data-parallel training (one call of each per step, on a network of 101,770 parameters: 814 KB) allocates
     * nothing per step; made on first use.
     */
    private double[] parameterScratch() {
        if (parameterScratch == null) {
            parameterScratch = new double[Gradients.checkedCount(parameterCount())];
        }
        return parameterScratch;
    }

    /**
     * One optimizer step with given gradients: the mean {@code sum.values() / sum.samples()} becomes each layer's
     * gradient (as if {@link #backward} had left it) and {@link #step()} runs, with the optimizer's state, weight
     * decay and step count as usual.
     *
     * @throws IllegalArgumentException if {@code sum} has another size than {@link #parameterCount()}, no samples,
     *                                  or a value that is not finite
     */
    public void step(Gradients sum) {
        use.enter("step");
        try {
            checkSum(sum);
            if (sum.samples() <= 0) {
                throw new IllegalArgumentException("step(gradients): the gradients come from no samples");
            }
            double[] values = sum.values();
            double[] mean = parameterScratch();
            double inv = 1.0 / sum.samples();
            for (int i = 0; i < mean.length; i++) {
                mean[i] = values[i] * inv;
            }
            writeAll(mean, true, 0);
            step();
        } finally {
            use.exit();
        }
    }

    /** The parameters, optimizer state and step count, copied to plain arrays (see {@link TrainingState}). */
    public TrainingState trainingState() {
        use.enter("trainingState");
        try {
            ensureOpen();
            int count = Gradients.checkedCount(parameterCount());
            int slots = optimizer.stateSlots();
            double[][] state = new double[slots][count];
            for (int s = 0; s < slots; s++) {
                readAll(state[s], false, s + 1);
            }
            return new TrainingState(optimizer.kind(), parameters(), state, steps);
        } finally {
            use.exit();
        }
    }

    /**
     * Puts back parameters, optimizer state and step count read by {@link #trainingState()} (of this network or
     * one of the same layout).
     *
     * @throws IllegalArgumentException if the optimizer kind or a length differs, or a value is not finite
     */
    public void setTrainingState(TrainingState state) {
        use.enter("setTrainingState");
        try {
            ensureOpen();
            Objects.requireNonNull(state, "state");
            if (state.kind() != optimizer.kind()) {
                throw new IllegalArgumentException("training state of a " + state.kind() + " optimizer, but this network's is "
                        + optimizer.kind());
            }
            checkFlat("parameters", state.parameters());
            writeAll(state.parameters(), false, 0);
            for (int s = 0; s < state.optimizerState().length; s++) {
                writeAll(state.optimizerState()[s], false, s + 1);
            }
            steps = state.steps();
        } finally {
            use.exit();
        }
    }

    private void checkSum(Gradients sum) {
        ensureOpen();
        Objects.requireNonNull(sum, "gradients");
        if (sum.size() != parameterCount()) {
            throw new IllegalArgumentException("gradients of " + sum.size() + " values for a network of "
                    + parameterCount() + " parameters");
        }
    }

    private void checkFlat(String what, double[] values) {
        if (values == null || values.length != parameterCount()) {
            throw new IllegalArgumentException(what + ": need " + parameterCount() + " values (the network's "
                    + "trainable parameters), got " + (values == null ? "null" : values.length));
        }
    }

    /** The matrix of {@code layer} in role {@code what}: 0 parameter, s+1 optimizer state slot s; gradient if asked. */
    private static Matrix part(Layer layer, boolean bias, boolean gradient, int what) {
        if (gradient) {
            return bias ? layer.biasGradient : layer.weightGradient;
        }
        if (what == 0) {
            return bias ? layer.biases : layer.weights;
        }
        return bias ? layer.biasState[what - 1] : layer.weightState[what - 1];
    }

    private void readAll(double[] dst, boolean gradient, int what) {
        int off = 0;
        for (Layer layer : stack) {
            backend.read(part(layer, false, gradient, what), dst, off);
            off += layer.outputs() * layer.inputs();
            if (layer.biasGradient != null) {
                backend.read(part(layer, true, gradient, what), dst, off);
                off += layer.outputs();
            }
        }
    }

    private void writeAll(double[] src, boolean gradient, int what) {
        int off = 0;
        for (Layer layer : stack) {
            backend.write(part(layer, false, gradient, what), src, off);
            off += layer.outputs() * layer.inputs();
            if (layer.biasGradient != null) {
                backend.write(part(layer, true, gradient, what), src, off);
                off += layer.outputs();
            }
        }
    }

    // ------------------------------------------------------------------ working memory

    /** The working matrices for one batch size; at most a few sizes (full batches, the last partial one). */
    private final class Workspace {
        final int n;
        final Matrix x;
        final Matrix target;
        final Matrix[] activations;
        final Matrix[] deltas;
        final Matrix[] masks;
        final Matrix[] dropped;
        Matrix input;
        boolean forwardTraining;
        private DenseStack stack;

        Workspace(int n) {
            this.n = n;
            int count = layers.size();
            activations = new Matrix[count];
            deltas = new Matrix[count];
            masks = new Matrix[count];
            dropped = new Matrix[count];
            x = backend.allocate(n, inputSize, precision);
            target = backend.allocate(n, outputSize(), precision);
            for (int i = 0; i < count; i++) {
                Layer l = layers.get(i);
                activations[i] = backend.allocate(n, l.outputs(), precision);
                deltas[i] = backend.allocate(n, l.outputs(), precision);
                if (l.dropout() > 0) {
                    masks[i] = backend.allocate(n, l.outputs(), precision);
                    dropped[i] = backend.allocate(n, l.outputs(), precision);
                }
            }
        }

        /** The matrices of a training step on {@code x} and {@code target}, for {@link Backend#sgdStep}. */
        DenseStack stack() {
            if (stack == null) {
                int count = Network.this.stack.length;
                Matrix[] w = new Matrix[count];
                Matrix[] b = new Matrix[count];
                Activation[] f = new Activation[count];
                Matrix[] dW = new Matrix[count];
                Matrix[] db = new Matrix[count];
                for (int i = 0; i < count; i++) {
                    Layer l = Network.this.stack[i];
                    w[i] = l.weights;
                    b[i] = l.biases;
                    f[i] = l.activation();
                    dW[i] = l.weightGradient;
                    db[i] = l.biasGradient;
                }
                stack = new DenseStack(x, target, w, b, f, activations, deltas, dW, db);
            }
            return stack;
        }

        void close() {
            x.close();
            target.close();
            for (Matrix[] ms : List.of(activations, deltas, masks, dropped)) {
                for (Matrix m : ms) {
                    if (m != null) {
                        m.close();
                    }
                }
            }
        }
    }

    private static final int MAX_WORKSPACES = 4;

    /**
     * The buffers for batches of {@code n} rows: kept for the {@value #MAX_WORKSPACES} row counts used last, the
     * least recently used one closed for a new count (so that a count used at every call, as a trainer's batch
     * size, keeps its buffers while other counts come and go).
     */
    private Workspace workspace(int n) {
        ensureOpen();
        if (current != null && current.n == n) {
            return current;
        }
        for (int i = 0; i < workspaces.size(); i++) {
            Workspace ws = workspaces.get(i);
            if (ws.n == n) {
                workspaces.remove(i);
                workspaces.add(ws); // the most recently used last
                current = ws;
                return ws;
            }
        }
        if (workspaces.size() == MAX_WORKSPACES) {
            workspaces.remove(0).close();
        }
        current = new Workspace(n);
        workspaces.add(current);
        return current;
    }

    private Workspace lastForward(Matrix target) {
        ensureOpen();
        Objects.requireNonNull(target, "target");
        if (current == null || current.input == null) {
            throw new IllegalStateException("call forward(input) before loss(target) or backward(target)");
        }
        if (target.rows() != current.n || target.cols() != outputSize() || target.precision() != precision) {
            throw new IllegalArgumentException("target must be [" + current.n + " x " + outputSize() + "] "
                    + precision + " to match the last forward pass, got " + target.shape());
        }
        return current;
    }

    /**
     * The dropout seed of {@code layer} for the next optimizer step: a function of the network's seed, the
     * number of steps taken and the layer, so every training forward pass before one {@link #step()} drops
     * the same nodes (the masks {@link #backward} uses), and a run is reproducible on every backend.
     */
    private int dropoutSeed(int layer) {
        long h = seed * 0x9E3779B97F4A7C15L + steps * 0xBF58476D1CE4E5B9L + layer * 0x94D049BB133111EBL;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 32));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("network is closed");
        }
    }

    /** Frees the network's backend memory, and the backend if the network opened it. Idempotent. */
    @Override
    public void close() {
        use.enter("close");
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!backend.isClosed()) {
                workspaces.forEach(Workspace::close);
                layers.forEach(Layer::close);
            }
            workspaces.clear();
            current = null;
            if (ownsBackend) {
                backend.close();
            }
        } finally {
            use.exit();
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Network(").append(inputSize);
        for (Layer l : layers) {
            sb.append(" -> ").append(l.outputs()).append(' ').append(l.activation().id());
        }
        return sb.append(", ").append(loss.id()).append(", ").append(precision).append(", ")
                .append(optimizer).append(", on ").append(backend.name()).append(')').toString();
    }

    // ------------------------------------------------------------------ builder

    private record LayerSpec(int outputs, Activation activation, Bias bias, double dropout) {
    }

    /**
     * Describes a network layer by layer: {@code input(n)}, then one {@code dense(...)} per layer, then
     * the loss, optimizer, precision, initializer and backend (all with defaults), then {@link #build()}.
     */
    public static final class Builder {
        private int inputSize;
        private final List<LayerSpec> specs = new ArrayList<>();
        private Loss loss;
        private Optimizer optimizer = Optimizer.sgd(0.1);
        private Precision precision = Precision.FLOAT32;
        private Initializer initializer;
        private long seed = 42;
        private Backend backend;
        private String backendName;
        private int maxThreads;

        private Builder() {
        }

        /** The number of input features. */
        public Builder input(int size) {
            if (size <= 0) {
                throw new IllegalArgumentException("input size must be positive, got " + size);
            }
            this.inputSize = size;
            return this;
        }

        /** A dense layer of {@code outputs} nodes with a trainable bias starting at 0. */
        public Builder dense(int outputs, Activation activation) {
            return dense(outputs, activation, Bias.trainable());
        }

        /** A dense layer of {@code outputs} nodes. */
        public Builder dense(int outputs, Activation activation, Bias bias) {
            if (outputs <= 0) {
                throw new IllegalArgumentException("layer " + specs.size() + ": size must be positive, got " + outputs);
            }
            specs.add(new LayerSpec(outputs, Objects.requireNonNull(activation, "activation"),
                    Objects.requireNonNull(bias, "bias"), 0));
            return this;
        }

        /** Inverted dropout at {@code rate} in {@code [0, 1)} on the output of the layer added last (not the output layer). */
        public Builder dropout(double rate) {
            if (specs.isEmpty()) {
                throw new IllegalStateException("dropout(rate) applies to the layer added last; add a dense layer first");
            }
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
            }
            LayerSpec s = specs.remove(specs.size() - 1);
            specs.add(new LayerSpec(s.outputs, s.activation, s.bias, rate));
            return this;
        }

        /**
         * Convenience for {@code input(sizes[0])} and one dense layer per further size, with trainable biases:
         * {@code hidden} for the hidden layers, {@code output} for the last.
         */
        public Builder layers(int[] sizes, Activation hidden, Activation output) {
            if (sizes == null || sizes.length < 2) {
                throw new IllegalArgumentException("need at least an input and an output size");
            }
            input(sizes[0]);
            for (int i = 1; i < sizes.length; i++) {
                dense(sizes[i], i == sizes.length - 1 ? output : hidden);
            }
            return this;
        }

        /** Defaults to softmax cross-entropy after a softmax output layer, squared error otherwise. */
        public Builder loss(Loss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /** Defaults to {@code Optimizer.sgd(0.1)}. */
        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            return this;
        }

        /** Defaults to {@link Precision#FLOAT32}. */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /** Defaults to He for ReLU layers and Xavier otherwise, seeded with {@link #seed(long)}. */
        public Builder initializer(Initializer initializer) {
            this.initializer = Objects.requireNonNull(initializer, "initializer");
            return this;
        }

        /** Seeds the default initializer and dropout (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Runs on {@code backend}, which the caller keeps and closes; the network does not close it. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            this.backendName = null;
            return this;
        }

        /** Opens the backend called {@code name} (see {@link Backends#open(String)}); the network closes it. */
        public Builder backend(String name) {
            this.backendName = Objects.requireNonNull(name, "name");
            this.backend = null;
            return this;
        }

        /**
         * Runs the backend the network opens on at most {@code maxThreads} host threads
         * ({@link Backends#open(String, int)}; the CPU backend: threads per product), e.g. 1 where the caller already
         * runs one network per core. Default: the backend's own count. Not for a {@link #backend(Backend)} given
         * open: {@link #build()} refuses the combination.
         *
         * @throws IllegalArgumentException if {@code maxThreads < 1}
         */
        public Builder maxThreads(int maxThreads) {
            if (maxThreads < 1) {
                throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        Initializer initializer(Activation activation) {
            if (initializer != null) {
                return initializer;
            }
            return activation == Activation.RELU ? Initializer.he(seed) : Initializer.xavier(seed);
        }

        /**
         * Builds the network, allocating its parameters on the backend (the selected one from
         * {@link Backends#open()} if none was given).
         *
         * @throws IllegalStateException       if the description is incomplete or inconsistent
         * @throws BackendUnavailableException if the backend cannot be opened
         */
        public Network build() {
            if (inputSize == 0) {
                throw new IllegalStateException("call input(size) before build()");
            }
            if (specs.isEmpty()) {
                throw new IllegalStateException("add at least one dense layer before build()");
            }
            Activation out = specs.get(specs.size() - 1).activation;
            if (loss == null) {
                loss = out == Activation.SOFTMAX ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.SQUARED_ERROR;
            }
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY && out != Activation.SOFTMAX) {
                throw new IllegalStateException("softmax_cross_entropy needs a softmax output layer, got " + out.id());
            }
            for (int i = 0; i < specs.size() - 1; i++) {
                if (specs.get(i).activation == Activation.SOFTMAX) {
                    throw new IllegalStateException("layer " + i + ": softmax is only supported on the output layer");
                }
            }
            if (specs.get(specs.size() - 1).dropout > 0) {
                throw new IllegalStateException("dropout on the output layer is not supported");
            }
            if (backend != null) {
                if (maxThreads > 0) {
                    throw new IllegalStateException("maxThreads(" + maxThreads + ") applies to a backend the network "
                            + "opens (backend(String)), not to backend " + backend.name() + " given open");
                }
                if (backend.isClosed()) {
                    throw new IllegalStateException("backend " + backend.name() + " is closed");
                }
                if (!backend.supports(precision)) {
                    throw new IllegalArgumentException("backend " + backend.name() + " (" + backend.device()
                            + ") does not support " + precision);
                }
                return new Network(this, backend, false);
            }
            Backend opened = maxThreads > 0 ? Backends.open(backendName, maxThreads)
                    : backendName != null ? Backends.open(backendName) : Backends.open();
            if (!opened.supports(precision)) {
                String desc = opened.name() + " (" + opened.device() + ")";
                opened.close();
                throw new IllegalArgumentException("backend " + desc + " does not support " + precision);
            }
            return new Network(this, opened, true);
        }
    }
}
