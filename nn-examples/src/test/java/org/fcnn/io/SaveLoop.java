// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.nio.file.Path;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;

/**
 * The child process of {@link SaveSurvivesKillTest}: saves one network over and over to the file named by
 * its first argument, as versions {@code start, start + 1, ...} (its second argument), and after each
 * completed save prints {@code saved V ok} on its own line. Runs until it is killed.
 */
public final class SaveLoop {
    private SaveLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int start = Integer.parseInt(args[1]);
        try (Network net = model()) {
            for (int v = start; ; v++) {
                setVersion(net, v);
                ModelFile.save(net, file);
                System.out.println("saved " + v + " ok");
                System.out.flush();
            }
        }
    }

    /** 64 -> 256 tanh -> 10 identity, float32: some 77 KB of weights, so a save takes a while to write. */
    static Network model() {
        return Network.builder().input(64).dense(256, Activation.TANH).dense(10, Activation.IDENTITY)
                .precision(Precision.FLOAT32).seed(1).backend("cpu").build();
    }

    /** Every weight of version {@code v}: small integers (exact in float32) that differ between versions. */
    static double weight(int v, int layer, int k) {
        return (v * 31L + layer * 7919L + k) % 9973;
    }

    static void setVersion(Network net, int v) {
        for (int l = 0; l < net.layers().size(); l++) {
            double[] w = new double[net.layer(l).outputs() * net.layer(l).inputs()];
            for (int k = 0; k < w.length; k++) {
                w[k] = weight(v, l, k);
            }
            net.layer(l).setWeights(w);
        }
    }

    /** Per layer, the version among {@code from..to} whose weights it holds, or -1: for failure messages. */
    static String layerVersions(Network net, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < net.layers().size(); l++) {
            int found = -1;
            for (int v = Math.max(0, from); v <= to && found < 0; v++) {
                double[] w = net.layer(l).weights();
                boolean all = true;
                for (int k = 0; k < w.length && all; k++) {
                    all = w[k] == weight(v, l, k);
                }
                found = all ? v : -1;
            }
            s.append(l == 0 ? "" : ", ").append("layer ").append(l).append(": version ").append(found);
        }
        return s.toString();
    }

    /** The version whose weights {@code net} holds in every layer, or -1 if none does (a mixed or other file). */
    static int versionOf(Network net, int... candidates) {
        for (int v : candidates) {
            boolean all = true;
            for (int l = 0; l < net.layers().size() && all; l++) {
                double[] w = net.layer(l).weights();
                for (int k = 0; k < w.length; k++) {
                    if (w[k] != weight(v, l, k)) {
                        all = false;
                        break;
                    }
                }
            }
            if (all) {
                return v;
            }
        }
        return -1;
    }
}
