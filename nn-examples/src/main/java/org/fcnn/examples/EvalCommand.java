// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fcnn.api.Network;
import org.fcnn.data.Dataset;
import org.fcnn.train.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eval}: a saved model's accuracy and confusion matrix (or loss, for regression) on a dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model: accuracy and confusion matrix for classifiers, loss for regressors.",
                "IDX data (fashion-mnist or a directory) are evaluated on their test files (--split train for the "
                        + "training files); a CSV file is evaluated on all its rows."},
        footerHeading = "%nExample:%n",
        footer = "  fcnn eval --model model.safetensors --data fashion-mnist")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "A model: a safetensors file of train --save, or an ONNX file (fcnn export, or a plain MLP "
                    + "from torch.onnx.export); the format is read from the file's first bytes.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--split", paramLabel = "test|train", defaultValue = "test",
            description = "IDX data: which files to evaluate on (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cpu, opencl, cuda or auto (default: ${DEFAULT-VALUE}); any backend loads any model.")
    String backend;

    private final PrintStream out = System.out;



    /** Errors a user can fix propagate to {@link Main}, which prints them as one line. */
    @Override
    public Integer call() throws Exception {
        ModelSource saved = ModelSource.read(model);
        if (data.classes == 0 && saved.isClassifier()) {
            data.classes = saved.outputSize();
        }
        DataOptions.Loaded loaded = data.load();
        Dataset set;
        String part;
        switch (split.trim().toLowerCase(Locale.ROOT)) {
            case "test":
                set = loaded.test() != null ? loaded.test() : loaded.train();
                part = loaded.test() != null ? "test set" : "all rows";
                break;
            case "train":
                set = loaded.train();
                part = loaded.test() != null ? "training set" : "all rows";
                break;
            default:
                throw new IllegalArgumentException("--split must be test or train, got " + split);
        }
        List<String> names = loaded.classNames();
        String stored = saved.metadata().get("class_names");
        if (stored != null && !stored.isEmpty()) {
            names = Arrays.asList(stored.split(",", -1));
        }
        try (Network net = saved.network(backend)) {
            out.printf(Locale.ROOT, "model: %s (%s): %s, %s, %s, on %s%n", model, saved.format(),
                    TrainCommand.describe(net), net.loss().id(), net.precision().name().toLowerCase(Locale.ROOT), net.backend().name());
            out.printf(Locale.ROOT, "data: %s, %s: %,d samples%n", loaded.description(), part, set.size());
            Evaluation ev = Evaluation.of(net, set);
            if (ev.isClassification()) {
                out.printf(Locale.ROOT, "accuracy: %.2f%% (%,d/%,d)%n", 100 * ev.accuracy(), ev.correct(), ev.samples());
                out.printf(Locale.ROOT, "loss: %.4f%n", ev.loss());
                out.println("confusion matrix (rows: true class, columns: predicted class):");
                out.print(ev.confusionTable(names));
            } else {
                out.printf(Locale.ROOT, "loss: %.6g (mean of 1/2 sum (T - O)^2)%n", ev.loss());
            }
        }
        return 0;
    }
}
