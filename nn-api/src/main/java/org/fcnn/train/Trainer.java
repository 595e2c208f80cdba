// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.data.Dataset;
import org.fcnn.spi.Matrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link Network} on a {@link Dataset}: epochs of mini-batches in a seeded random order, optional
 * validation after each epoch, a learning-rate schedule, early stopping, and {@link TrainingListener} events.
 *
 * <pre>{@code
 * Trainer trainer = Trainer.builder()
 *         .epochs(10).batchSize(64).seed(1)
 *         .validationFraction(0.1)
 *         .schedule(LearningRateSchedule.cosine())
 *         .patience(3)                       // early stopping on the validation loss
 *         .listener(myProgressBar)
 *         .build();
 * TrainingResult result = trainer.fit(network, trainingSet);
 * Evaluation test = Evaluation.of(network, testSet);
 * }</pre>
 *
 * <p>The network brings the loss (softmax cross-entropy for classification, squared error for regression),
 * the optimizer with its base learning rate and weight decay, dropout and precision; the trainer only drives
 * it. The schedule sets the optimizer's learning rate at the start of each epoch, and the base rate is put
 * back when the run ends.
 *
 * <p>Reproducible: the validation split and the order of the mini-batches come from the seed alone, and the
 * network's initial weights and dropout from its own seed, so the same seeds on the same backend give the
 * same result (bit for bit on the CPU backend). The loop reuses its batch buffers and allocates nothing per
 * batch.
 *
 * <p>A trainer is immutable and may run several fits, one after another or on different threads with
 * different networks.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final long SPLIT_SALT = 0x5DEECE66DL;

    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final double validationFraction;
    private final LearningRateSchedule schedule;
    private final int patience;
    private final boolean restoreBestWeights;
    private final List<TrainingListener> listeners;

    private Trainer(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.validationFraction = b.validationFraction;
        this.schedule = b.schedule;
        this.patience = b.patience;
        this.restoreBestWeights = b.restoreBestWeights;
        this.listeners = List.copyOf(b.listeners);
    }

    /** A builder with the defaults: 10 epochs, batch 64, seed 42, no validation, constant rate, no early stop. */
    public static Builder builder() {
        return new Builder();
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public double validationFraction() {
        return validationFraction;
    }

    public LearningRateSchedule schedule() {
        return schedule;
    }

    public int patience() {
        return patience;
    }

    /**
     * Trains on {@code data}, first splitting off {@link Builder#validationFraction} of it (after a shuffle
     * seeded with the trainer's seed) for validation when that fraction is above 0.
     *
     * @throws IllegalArgumentException if the data do not fit the network
     */
    public TrainingResult fit(Network network, Dataset data) {
        Objects.requireNonNull(data, "data");
        if (validationFraction > 0) {
            Dataset.Split split = data.split(validationFraction, seed ^ SPLIT_SALT);
            return fit(network, split.first(), split.second());
        }
        return fit(network, data, null);
    }

    /**
     * Trains on {@code train}, validating on {@code validation} after each epoch ({@code null}: no validation;
     * then early stopping is not available).
     *
     * @throws IllegalArgumentException if the data do not fit the network, or {@code patience > 0} without a
     *                                  validation set
     */
    public TrainingResult fit(Network network, Dataset train, Dataset validation) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(train, "train");
        checkFits(network, train, "training data");
        if (validation != null) {
            checkFits(network, validation, "validation data");
        }
        if (patience > 0 && validation == null) {
            throw new IllegalArgumentException("early stopping (patience " + patience + ") needs a validation set: "
                    + "set validationFraction or pass one");
        }
        Run run = new Run(network, train, validation);
        Optimizer original = network.optimizer();
        try {
            return run.execute();
        } finally {
            if (!network.backend().isClosed()) {
                network.setOptimizer(original);
            }
        }
    }

    static void checkFits(Network network, Dataset data, String what) {
        if (data.inputs() != network.inputSize()) {
            throw new IllegalArgumentException(what + " have " + data.inputs() + " inputs per sample, but the network "
                    + "takes " + network.inputSize());
        }
        if (data.outputs() != network.outputSize()) {
            throw new IllegalArgumentException(what + " have " + data.outputs() + (data.isClassification()
                    ? " classes" : " targets") + " per sample, but the network has " + network.outputSize()
                    + " outputs");
        }
    }

    /** The state of one {@link #fit}; also the {@link TrainingRun} that listeners see. */
    private final class Run implements TrainingRun {
        private final Network net;
        private final Dataset train;
        private final Dataset validation;
        private final List<EpochResult> history = new ArrayList<>();
        private final List<EpochResult> historyView = Collections.unmodifiableList(history);
        private final AtomicReference<String> stopReason = new AtomicReference<>();
        private final int batches;

        Run(Network net, Dataset train, Dataset validation) {
            this.net = net;
            this.train = train;
            this.validation = validation;
            this.batches = (train.size() + batchSize - 1) / batchSize;
        }

        TrainingResult execute() {
            long runStart = System.nanoTime();
            double baseRate = net.optimizer().learningRate();
            int n = train.size();
            int batch = Math.min(batchSize, n);
            boolean classify = train.isClassification();
            int k = net.outputSize();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            SplittableRandom random = new SplittableRandom(seed);
            BatchProgress progress = new BatchProgress();
            progress.epochs = epochs;
            progress.batches = batches;
            progress.epochSamples = n;
            LOG.debug("training {} on {} samples ({} for validation), {} epochs of {} batches of {}, schedule {}",
                    net, n, validation == null ? 0 : validation.size(), epochs, batches, batch, schedule);
            double bestLoss = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            double[][] bestWeights = null;
            double[][] bestBiases = null;
            TrainingResult.StopReason reason = TrainingResult.StopReason.COMPLETED;
            String message = "completed " + epochs + " epochs";
            listeners.forEach(l -> l.onTrainingStart(this));
            try (Batches b = new Batches(net, batch);
                 Batches vb = validation == null ? null : new Batches(net, Math.min(batchSize, validation.size()))) {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    double rate = schedule.learningRate(epoch, epochs, baseRate);
                    if (!(rate > 0 && Double.isFinite(rate))) {
                        throw new IllegalStateException("schedule " + schedule + " gave learning rate " + rate
                                + " for epoch " + epoch);
                    }
                    net.setOptimizer(net.optimizer().withLearningRate(rate));
                    Dataset.shuffle(order, random);
                    final int e = epoch;
                    listeners.forEach(l -> l.onEpochStart(this, e, rate));
                    long epochStart = System.nanoTime();
                    progress.epoch = epoch;
                    progress.learningRate = rate;
                    double lossSum = 0;
                    int correct = 0;
                    int seen = 0;
                    boolean diverged = false;
                    net.setTraining(true);
                    for (int start = 0, bi = 1; start < n; start += batch, bi++) {
                        int rows = Math.min(batch, n - start);
                        double loss = trainBatch(b, order, start, rows);
                        if (classify) {
                            correct += countCorrect(b, order, start, rows, k);
                        }
                        seen += rows;
                        lossSum += loss * rows;
                        progress.batch = bi;
                        progress.samples = seen;
                        progress.batchLoss = loss;
                        progress.loss = lossSum / seen;
                        progress.accuracy = classify ? (double) correct / seen : Double.NaN;
                        progress.elapsedNanos = System.nanoTime() - epochStart;
                        for (int li = 0; li < listeners.size(); li++) {
                            listeners.get(li).onBatchEnd(this, progress);
                        }
                        if (!Double.isFinite(loss)) {
                            diverged = true;
                            break;
                        }
                        if (stopReason.get() != null) {
                            break;
                        }
                    }
                    net.setTraining(false);
                    double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                    if (diverged) {
                        reason = TrainingResult.StopReason.DIVERGED;
                        message = "the training loss became " + progress.batchLoss + " in epoch " + epoch + ", batch "
                                + progress.batch + "; try a lower learning rate";
                        LOG.warn("stopping: {}", message);
                        break;
                    }
                    Evaluation val = vb == null ? null : Evaluation.of(vb, validation);
                    boolean best = false;
                    if (val != null && val.loss() < bestLoss) {
                        bestLoss = val.loss();
                        bestEpoch = epoch;
                        best = true;
                        if (restoreBestWeights && patience > 0) {
                            bestWeights = new double[net.layers().size()][];
                            bestBiases = new double[net.layers().size()][];
                            for (Layer l : net.layers()) {
                                bestWeights[l.index()] = l.weights();
                                bestBiases[l.index()] = l.bias().isPresent() ? l.biases() : null;
                            }
                        }
                    }
                    if (val == null) {
                        bestEpoch = epoch;
                    }
                    EpochResult result = new EpochResult(epoch, rate, lossSum / seen,
                            classify ? (double) correct / seen : Double.NaN,
                            val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(),
                            (System.nanoTime() - epochStart) / 1e9, seen / trainSeconds, best);
                    history.add(result);
                    LOG.debug("{}", result);
                    listeners.forEach(l -> l.onEpochEnd(this, result));
                    if (stopReason.get() != null) {
                        reason = TrainingResult.StopReason.REQUESTED;
                        message = "stopped on request after epoch " + epoch + ": " + stopReason.get();
                        break;
                    }
                    if (patience > 0 && epoch - bestEpoch >= patience && epoch < epochs) {
                        reason = TrainingResult.StopReason.EARLY_STOPPING;
                        message = "validation loss did not improve for " + patience + " epoch"
                                + (patience > 1 ? "s" : "") + " after epoch " + bestEpoch + " ("
                                + String.format(java.util.Locale.ROOT, "%.4f", bestLoss) + ")";
                        LOG.info("early stopping: {}", message);
                        break;
                    }
                }
            } finally {
                net.setTraining(false);
            }
            int last = history.isEmpty() ? 0 : history.get(history.size() - 1).epoch();
            int weightsOf = last;
            boolean diverged = reason == TrainingResult.StopReason.DIVERGED;
            if (bestWeights != null && (bestEpoch != last || diverged)) {
                for (Layer l : net.layers()) {
                    l.setWeights(bestWeights[l.index()]);
                    if (bestBiases[l.index()] != null) {
                        l.setBiases(bestBiases[l.index()]);
                    }
                }
                weightsOf = bestEpoch;
                LOG.info("restored the weights of epoch {} (lowest validation loss {})", bestEpoch,
                        String.format(java.util.Locale.ROOT, "%.4f", bestLoss));
            } else if (diverged) {
                weightsOf = 0; // the weights took the diverging updates and cannot be used
            }
            if (validation == null) {
                bestEpoch = last;
            }
            TrainingResult result = new TrainingResult(history, reason, message, bestEpoch, weightsOf,
                    (System.nanoTime() - runStart) / 1e9);
            listeners.forEach(l -> l.onTrainingEnd(this, result));
            return result;
        }

        /** One optimizer step on the rows {@code order[start, start+rows)}; returns the batch's loss before the step. */
        private double trainBatch(Batches b, int[] order, int start, int rows) {
            Matrix x = b.load(train, order, start, rows);
            Matrix target = b.target(rows);
            b.lastOutput = net.forward(x);
            double loss = net.loss(target);
            net.backward(target);
            net.step();
            return loss;
        }

        /** How many of the last batch's outputs pick the sample's label. */
        private int countCorrect(Batches b, int[] order, int start, int rows, int k) {
            b.readOutput();
            int correct = 0;
            for (int i = 0; i < rows; i++) {
                if (b.argmax(i, k) == train.label(order[start + i])) {
                    correct++;
                }
            }
            return correct;
        }

        @Override
        public Network network() {
            return net;
        }

        @Override
        public int epochs() {
            return epochs;
        }

        @Override
        public int batchSize() {
            return batchSize;
        }

        @Override
        public int trainingSamples() {
            return train.size();
        }

        @Override
        public int validationSamples() {
            return validation == null ? 0 : validation.size();
        }

        @Override
        public int batchesPerEpoch() {
            return batches;
        }

        @Override
        public List<EpochResult> history() {
            return historyView;
        }

        @Override
        public void requestStop(String reason) {
            stopReason.compareAndSet(null, reason == null ? "no reason given" : reason);
        }

        @Override
        public boolean isStopRequested() {
            return stopReason.get() != null;
        }
    }

    @Override
    public String toString() {
        return "Trainer(" + epochs + " epochs, batch " + batchSize + ", seed " + seed
                + (validationFraction > 0 ? ", validation " + validationFraction : "") + ", schedule " + schedule
                + (patience > 0 ? ", patience " + patience : "") + ")";
    }

    /** Configures a {@link Trainer}. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 64;
        private long seed = 42;
        private double validationFraction;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private int patience;
        private boolean restoreBestWeights = true;
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** The number of epochs (default 10). */
        public Builder epochs(int epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /** Samples per mini-batch (default 64); the last batch of an epoch may be smaller. */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Seeds the validation split and the mini-batch order (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The fraction of the data {@link Trainer#fit(Network, Dataset)} keeps aside for validation, in
         * {@code [0, 1)} (default 0: none).
         */
        public Builder validationFraction(double fraction) {
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
            }
            this.validationFraction = fraction;
            return this;
        }

        /** The learning-rate schedule (default constant). */
        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            return this;
        }

        /**
         * Early stopping: stop when the validation loss has not improved for {@code patience} epochs (default 0:
         * never). Needs a validation set.
         */
        public Builder patience(int patience) {
            if (patience < 0) {
                throw new IllegalArgumentException("patience must be >= 0, got " + patience);
            }
            this.patience = patience;
            return this;
        }

        /**
         * With early stopping, whether to put back the weights of the epoch with the lowest validation loss when
         * the run ends (default true).
         */
        public Builder restoreBestWeights(boolean restore) {
            this.restoreBestWeights = restore;
            return this;
        }

        /** Adds a listener; listeners are called in the order added. */
        public Builder listener(TrainingListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }
}
