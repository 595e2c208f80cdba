// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.fcnn.api.Activation;
import org.fcnn.api.Layer;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.data.Dataset;
import org.fcnn.io.ModelFile;
import org.fcnn.train.EpochResult;
import org.fcnn.train.Evaluation;
import org.fcnn.train.LearningRateSchedule;
import org.fcnn.train.Trainer;
import org.fcnn.train.TrainingListener;
import org.fcnn.train.TrainingResult;
import org.fcnn.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: trains a network on real data (Fashion-MNIST, IDX files or a CSV table), with a progress bar,
 * a summary line per epoch, the final test accuracy, and optionally a model file and a chart.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a fully connected network on Fashion-MNIST, a directory of IDX files or a CSV file.",
                "Classification (a label column) gets a softmax output with cross-entropy; regression "
                        + "(--targets K) an identity output with the tutorial's squared error."},
        footerHeading = "%nExample:%n",
        footer = {"  fcnn train --data fashion-mnist --hidden 256 --epochs 10 \\",
                "             --save model.safetensors --plot chart.png"})
final class TrainCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Option(names = "--hidden", paramLabel = "N", split = ",",
            description = "Size of a hidden layer; repeat (or comma-separate) for several, e.g. --hidden 512 "
                    + "--hidden 256 (default: one layer of 256).")
    List<Integer> hidden;

    @Option(names = "--activation", paramLabel = "F", defaultValue = "relu",
            description = "Hidden-layer activation: sigmoid, tanh or relu (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "sgd, momentum (0.9) or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001",
            description = "Base learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64",
            description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", paramLabel = "E", defaultValue = "10",
            description = "Number of epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the initial weights, dropout, the data splits and the batch order "
                    + "(default: ${DEFAULT-VALUE}); the same seed on the same backend gives the same result.")
    long seed;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cpu, opencl, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "float32",
            description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
            description = "Dropout rate after each hidden layer, in [0, 1) (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "0",
            description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "constant",
            description = "Learning-rate schedule: constant, step (x --step-factor every --step-every epochs) or "
                    + "cosine (down to 0 over the run) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--step-every", paramLabel = "N", defaultValue = "0",
            description = "step schedule: epochs between steps (default: a third of the epochs).")
    int stepEvery;

    @Option(names = "--step-factor", paramLabel = "F", defaultValue = "0.1",
            description = "step schedule: factor applied at each step (default: ${DEFAULT-VALUE}).")
    double stepFactor;

    @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0.1",
            description = "Fraction of the training data held out for validation after each epoch, 0 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    double validation;

    @Option(names = "--patience", paramLabel = "K", defaultValue = "0",
            description = "Early stopping: stop when the validation loss has not improved for K epochs, and "
                    + "keep the best epoch's weights (default: 0, off).")
    int patience;

    @Option(names = "--test-fraction", paramLabel = "FRACTION", defaultValue = "0.2",
            description = "CSV only: fraction of the rows held out as the test set (default: ${DEFAULT-VALUE}); "
                    + "IDX data have their own test files.")
    double testFraction;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Use only the first N training samples (quick experiments; default: all).")
    int limit;

    @Option(names = "--save", paramLabel = "FILE",
            description = "Save the trained model to FILE (safetensors).")
    Path save;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Write a chart of training and validation loss and accuracy per epoch (PNG).")
    Path plot;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar on a terminal, a line every 30 s otherwise), bar, plain or none "
                    + "(default: ${DEFAULT-VALUE}).")
    String progress;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;



    /** Errors a user can fix propagate to {@link Main}, which prints them as one line. */
    @Override
    public Integer call() throws Exception {
        Activation hiddenActivation = Activation.parse(activation);
        if (hiddenActivation == Activation.SOFTMAX) {
            throw new IllegalArgumentException("--activation softmax is for output layers; use sigmoid, tanh or relu");
        }
        Precision p = Precision.parse(precision);
        Optimizer opt = optimizer(optimizer, learningRate).withWeightDecay(weightDecay);
        LearningRateSchedule lrs = schedule();
        ProgressBar.Mode mode = ProgressBar.Mode.parse(progress);
        List<Integer> sizes = hidden == null || hidden.isEmpty() ? List.of(256) : hidden;

        long loadStart = System.nanoTime();
        DataOptions.Loaded loaded = data.load();
        Dataset train = loaded.train();
        Dataset test = loaded.test();
        if (test == null) {
            Dataset.Split split = train.split(testFraction, seed ^ 0x7E57L);
            train = split.first();
            test = split.second();
        }
        if (limit > 0) {
            train = train.head(limit);
        }
        out.printf(Locale.ROOT, "data: %s: %,d training samples (%s), %,d test samples, %d inputs, %s (%.1f s)%n",
                loaded.description(), train.size(), validation > 0 ? String.format(Locale.ROOT,
                        "%.0f%% of them for validation", 100 * validation) : "no validation",
                test.size(), train.inputs(), train.isClassification() ? train.classes() + " classes"
                        : train.outputs() + " regression targets", (System.nanoTime() - loadStart) / 1e9);

        Network.Builder nb = Network.builder().input(train.inputs());
        for (int h : sizes) {
            nb.dense(h, hiddenActivation);
            if (dropout > 0) {
                nb.dropout(dropout);
            }
        }
        boolean classification = train.isClassification();
        nb.dense(train.outputs(), classification ? Activation.SOFTMAX : Activation.IDENTITY)
                .loss(classification ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.SQUARED_ERROR)
                .optimizer(opt).precision(p).seed(seed).backend(backend);
        try (Network net = nb.build()) {
            out.printf(Locale.ROOT, "network: %s, %s, %s, %,d parameters, on %s (%s)%n", describe(net),
                    net.loss().id(), net.precision().name().toLowerCase(Locale.ROOT), net.parameterCount(),
                    net.backend().name(), net.backend().device());
            out.printf(Locale.ROOT, "training: %s, batch %d, %d epochs, schedule %s%s%s, seed %d%n", opt, batch,
                    epochs, lrs, dropout > 0 ? ", dropout " + dropout : "",
                    patience > 0 ? ", early stopping patience " + patience : "", seed);
            ProgressBar bar = new ProgressBar(err, mode);
            Trainer trainer = Trainer.builder().epochs(epochs).batchSize(batch).seed(seed)
                    .validationFraction(validation).schedule(lrs).patience(patience)
                    .listener(bar).listener(new EpochPrinter(bar)).build();
            TrainingResult result = trainer.fit(net, train);
            if (result.stopReason() != TrainingResult.StopReason.COMPLETED) {
                out.println("stopped: " + result.stopMessage());
            }
            if (result.weightsOfEpoch() == 0) {
                err.println("fcnn train: error: training diverged and left no usable weights; nothing saved");
                return 1;
            }
            if (result.weightsOfEpoch() != result.last().epoch()) {
                out.printf("using the weights of epoch %d (lowest validation loss)%n", result.weightsOfEpoch());
            }
            Evaluation ev = Evaluation.of(net, test);
            if (classification) {
                out.printf(Locale.ROOT, "test accuracy: %.2f%% (%,d/%,d), test loss %.4f%n", 100 * ev.accuracy(),
                        ev.correct(), ev.samples(), ev.loss());
            } else {
                out.printf(Locale.ROOT, "test loss: %.6g (mean of 1/2 sum (T - O)^2 over %,d samples)%n", ev.loss(),
                        ev.samples());
            }
            out.printf(Locale.ROOT, "time: %.1f s training, %.1f s per epoch%n", result.seconds(),
                    result.history().stream().mapToDouble(EpochResult::seconds).average().orElse(0));
            if (save != null) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("dataset", loaded.description());
                if (loaded.idx()) {
                    meta.put("inputs", "pixels scaled to [0, 1] (byte / 255)");
                }
                if (loaded.classNames() != null) {
                    meta.put("class_names", String.join(",", loaded.classNames()));
                }
                if (classification) {
                    meta.put("test_accuracy", String.format(Locale.ROOT, "%.4f", ev.accuracy()));
                }
                ModelFile.save(net, save, meta);
                out.println("saved model: " + save);
            }
            if (plot != null) {
                Charts.writeTrainingChart(result.history(), describe(net), plot);
                out.println("saved chart: " + plot);
            }
        }
        return 0;
    }

    /** Prints one summary line per epoch. */
    private final class EpochPrinter implements TrainingListener {
        private final ProgressBar bar;

        EpochPrinter(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public void onEpochEnd(TrainingRun run, EpochResult r) {
            bar.clear();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %" + digits(run.epochs()) + "d/%d"
                    + "  lr %.2e  loss %.4f", r.epoch(), run.epochs(), r.learningRate(), r.trainLoss()));
            if (!Double.isNaN(r.trainAccuracy())) {
                sb.append(String.format(Locale.ROOT, "  acc %.2f%%", 100 * r.trainAccuracy()));
            }
            if (r.hasValidation()) {
                sb.append(String.format(Locale.ROOT, "  val_loss %.4f", r.validationLoss()));
                if (!Double.isNaN(r.validationAccuracy())) {
                    sb.append(String.format(Locale.ROOT, "  val_acc %.2f%%", 100 * r.validationAccuracy()));
                }
            }
            sb.append(String.format(Locale.ROOT, "  %.1f s  %,.0f samples/s", r.seconds(), r.samplesPerSecond()));
            if (r.best() && run.epochs() > 1 && patience > 0) {
                sb.append("  *");
            }
            out.println(sb);
            out.flush();
        }

        private String digits(int n) {
            return String.valueOf(String.valueOf(n).length());
        }
    }

    static String describe(Network net) {
        StringBuilder sb = new StringBuilder().append(net.inputSize());
        for (Layer l : net.layers()) {
            sb.append(" -> ").append(l.outputs()).append(' ').append(l.activation().id());
            if (l.dropout() > 0) {
                sb.append(" (dropout ").append(l.dropout()).append(')');
            }
        }
        return sb.toString();
    }

    static Optimizer optimizer(String name, double lr) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "sgd": return Optimizer.sgd(lr);
            case "momentum": return Optimizer.momentum(lr, 0.9);
            case "adam": return Optimizer.adam(lr);
            default: throw new IllegalArgumentException("unknown optimizer '" + name + "': expected sgd, momentum or adam");
        }
    }

    private LearningRateSchedule schedule() {
        switch (schedule.trim().toLowerCase(Locale.ROOT)) {
            case "constant": return LearningRateSchedule.constant();
            case "cosine": return LearningRateSchedule.cosine();
            case "step": return LearningRateSchedule.step(stepEvery > 0 ? stepEvery : Math.max(1, epochs / 3), stepFactor);
            default: throw new IllegalArgumentException("unknown schedule '" + schedule
                    + "': expected constant, step or cosine");
        }
    }
}
