// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;

/**
 * The child process of {@link BackendSoakTest}: on one backend (its first argument), runs a number of
 * cycles (its second argument) of building a small network, training it a few steps, predicting and
 * closing it. After every close the backend's allocated bytes must be back where they started, else it
 * prints {@code LEAK cycle C: B bytes} and exits with 3. It prints {@code RSS-WARM R} after a tenth of the
 * cycles and {@code RSS-END R} at the end (the process's resident bytes, from {@code /proc/self/statm};
 * {@code -1} where there is none), then {@code DONE}.
 */
public final class SoakMain {
    private SoakMain() {
    }

    public static void main(String[] args) throws IOException {
        String name = args[0];
        int cycles = Integer.parseInt(args[1]);
        double[] x = new double[4 * 8];
        double[] t = new double[4 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(i);
        }
        for (int i = 0; i < 4; i++) {
            t[i * 3 + i % 3] = 1;
        }
        double[] out = new double[4 * 3];
        try (Backend b = Backends.open(name)) {
            long base = b.allocatedBytes();
            for (int c = 1; c <= cycles; c++) {
                Precision p = c % 2 == 0 || !b.supports(Precision.FLOAT64) ? Precision.FLOAT32 : Precision.FLOAT64;
                try (Network net = Network.builder().input(8).dense(16, Activation.TANH)
                        .dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                        .optimizer(c % 3 == 0 ? Optimizer.adam(0.01) : Optimizer.sgd(0.1)).precision(p)
                        .seed(c).backend(b).build()) {
                    for (int s = 0; s < 3; s++) {
                        net.trainBatch(x, t, 4);
                    }
                    net.predict(x, 4, out);
                }
                if (b.allocatedBytes() != base) {
                    System.out.println("LEAK cycle " + c + ": " + (b.allocatedBytes() - base) + " bytes");
                    System.exit(3);
                }
                if (c == Math.max(1, cycles / 10)) {
                    System.out.println("RSS-WARM " + residentBytes());
                }
            }
            System.out.println("RSS-END " + residentBytes());
        }
        System.out.println("DONE");
    }

    private static long residentBytes() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
