// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.fcnn.api.Network;
import org.fcnn.data.CsvReader;
import org.fcnn.data.DataFileException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code predict}: reads CSV rows of inputs on standard input and writes one prediction per row on standard
 * output, as soon as the rows are available (rows that arrive together are predicted as one batch).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Read CSV rows of input values on standard input; write one prediction per row: the class "
                + "index for classifiers, the output values (comma-separated) for regressors.",
                "A first line without numbers is taken as a header and skipped; blank lines and # comments are skipped.",
                "Inputs must be scaled as in training (Fashion-MNIST: pixel / 255)."},
        footerHeading = "%nExample:%n",
        footer = "  fcnn predict --model model.safetensors < rows.csv > predictions.txt")
final class PredictCommand implements Callable<Integer> {
    private static final int MAX_BATCH = 256;

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "A model: a safetensors file of train --save, or an ONNX file (fcnn export, or a plain MLP "
                    + "from torch.onnx.export); the format is read from the file's first bytes.")
    Path model;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "cpu, opencl, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--probabilities",
            description = "Classifiers: after the class index, write the output of every class.")
    boolean probabilities;

    @Option(names = "--delimiter", paramLabel = "C", defaultValue = ",",
            description = "Cell delimiter of the input (default: '${DEFAULT-VALUE}').")
    char delimiter;

    private final InputStream in = System.in;
    private final PrintStream out = System.out;



    /** Errors a user can fix propagate to {@link Main}, which prints them as one line. */
    @Override
    public Integer call() throws Exception {
        ModelSource saved = ModelSource.read(model);
        CsvReader csv = CsvReader.inputsOnly().withDelimiter(delimiter);
        int inputs = saved.inputSize();
        int outputs = saved.outputSize();
        boolean classifier = saved.isClassifier();
        float[] x = new float[MAX_BATCH * inputs];
        float[] y = new float[MAX_BATCH * outputs];
        float[] row = new float[inputs];
        StringBuilder line = new StringBuilder();
        try (Network net = saved.network(backend);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int pending = 0;
            int lineNo = 0;
            boolean first = true;
            String text;
            while ((text = r.readLine()) != null) {
                lineNo++;
                if (first && csv.isHeader(text)) {
                    first = false;
                    continue;
                }
                try {
                    if (!csv.parseRow(text, lineNo, "<stdin>", row)) {
                        continue;
                    }
                } catch (DataFileException e) {
                    if (pending > 0) {
                        write(net, x, y, pending, classifier, line); // the rows before the bad one still count
                    }
                    throw e;
                }
                first = false;
                System.arraycopy(row, 0, x, pending * inputs, inputs);
                pending++;
                if (pending == MAX_BATCH || !r.ready()) {
                    write(net, x, y, pending, classifier, line);
                    pending = 0;
                }
            }
            if (pending > 0) {
                write(net, x, y, pending, classifier, line);
            }
        }
        out.flush();
        return 0;
    }

    private void write(Network net, float[] x, float[] y, int n, boolean classifier, StringBuilder sb) {
        int inputs = net.inputSize();
        int k = net.outputSize();
        float[] xs = n * inputs == x.length ? x : java.util.Arrays.copyOf(x, n * inputs);
        float[] ys = n * k == y.length ? y : new float[n * k];
        net.predict(xs, n, ys);
        for (int i = 0; i < n; i++) {
            sb.setLength(0);
            if (classifier) {
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (ys[i * k + j] > ys[i * k + best]) {
                        best = j;
                    }
                }
                sb.append(best);
                if (probabilities) {
                    for (int j = 0; j < k; j++) {
                        sb.append(',').append(ys[i * k + j]);
                    }
                }
            } else {
                for (int j = 0; j < k; j++) {
                    sb.append(j == 0 ? "" : ",").append(ys[i * k + j]);
                }
            }
            out.println(sb);
        }
        out.flush();
    }
}
