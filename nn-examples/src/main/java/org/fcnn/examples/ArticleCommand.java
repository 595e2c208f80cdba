// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code article}: the tutorial's worked 2-2-2 example, through the public API, in float64 on the chosen
 * backend, printing every quantity the tutorial prints to 10 decimals.
 */
@Command(name = "article", mixinStandardHelpOptions = true,
        description = "Reproduce the tutorial's 2-2-2 sigmoid network: one step worked out to 10 decimals, "
                + "then 10,000 training steps.")
final class ArticleCommand implements Callable<Integer> {
    static final double[] X = {0.05, 0.10};
    static final double[] T = {0.01, 0.99};

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Backend to run on: cpu, opencl, cuda or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "float64",
            description = "float64 (the tutorial's numbers) or float32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10000",
            description = "Training steps (default: ${DEFAULT-VALUE}); E is printed every 1,000.")
    int steps;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        try (Network net = tutorialNetwork(backend, Precision.parse(precision))) {
            out.printf("backend: %s (%s), %s%n", net.backend().name(), net.backend().device(), net.precision());
            out.println("network: 2-2-2 sigmoid, biases K1=0.35 and K2=0.60 frozen, E = 1/2 sum (T-O)^2, SGD eta=0.5");
            out.println();
            out.println("Step 1, forward pass:");
            double e = net.trainStep(X, T);
            double[] y = net.layerOutput(0);
            double[] o = net.layerOutput(1);
            line(out, "Y1", y[0]);
            line(out, "Y2", y[1]);
            line(out, "O1", o[0]);
            line(out, "O2", o[1]);
            line(out, "E", e);
            out.println("Step 1, backward pass (gradients from the weights before the step):");
            line(out, "dE/dW2_11", net.layer(1).weightGradient()[0]);
            line(out, "dE/dW1_11", net.layer(0).weightGradient()[0]);
            out.println("Weights after the first step:");
            double[] w1 = net.layer(0).weights();
            double[] w2 = net.layer(1).weights();
            line(out, "W1_11", w1[0]);
            line(out, "W1_12", w1[1]);
            line(out, "W1_21", w1[2]);
            line(out, "W1_22", w1[3]);
            line(out, "W2_11", w2[0]);
            line(out, "W2_12", w2[1]);
            line(out, "W2_21", w2[2]);
            line(out, "W2_22", w2[3]);
            out.println();
            out.printf("Training %,d steps (E and the outputs of the forward pass of every 1,000th step):%n", steps);
            print(out, 0, e, o);
            for (int i = 1; i < steps; i++) {
                e = net.trainStep(X, T);
                if (i % 1000 == 0) {
                    print(out, i, e, net.layerOutput(1));
                }
            }
            double[] fin = net.predict(X);
            double finalE = 0.5 * ((T[0] - fin[0]) * (T[0] - fin[0]) + (T[1] - fin[1]) * (T[1] - fin[1]));
            out.println();
            out.printf("After %,d steps:%n", steps);
            line(out, "O1", fin[0]);
            line(out, "O2", fin[1]);
            out.printf(Locale.ROOT, "  %-10s = %.10f  (%.11e)%n", "E", finalE, finalE);
        }
        return 0;
    }

    /** The tutorial's network with its initial weights, on {@code backendName}. */
    static Network tutorialNetwork(String backendName, Precision precision) {
        Network net = Network.builder()
                .input(2)
                .dense(2, Activation.SIGMOID, Bias.frozen(0.35))
                .dense(2, Activation.SIGMOID, Bias.frozen(0.60))
                .loss(Loss.SQUARED_ERROR)
                .optimizer(Optimizer.sgd(0.5))
                .precision(precision)
                .backend(backendName)
                .build();
        net.layer(0).setWeights(new double[][] {{0.15, 0.20}, {0.25, 0.30}});
        net.layer(1).setWeights(new double[][] {{0.40, 0.45}, {0.50, 0.55}});
        return net;
    }

    private static void line(PrintStream out, String label, double value) {
        out.printf(Locale.ROOT, "  %-10s = %.10f%n", label, value);
    }

    private static void print(PrintStream out, int step, double e, double[] o) {
        out.printf(Locale.ROOT, "  step %5d: E = %.10e  O1 = %.10f  O2 = %.10f%n", step, e, o[0], o[1]);
    }
}
