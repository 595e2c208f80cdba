// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;

/** Test helpers: the PyTorch fixtures, random networks and inputs. */
final class Fixtures {
    private Fixtures() {
    }

    /** A fixture of src/test/resources/org/fcnn/onnx copied to {@code dir} (so it is a real file). */
    static Path resource(String name, Path dir) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name + " (run src/test/python/make_fixture.py)");
            }
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recorded inputs and PyTorch's outputs of a fixture: {@code x [n x inputs]}, {@code y [n x outputs]}. */
    record Recorded(int n, int inputs, int outputs, double[] x, double[] y) {
    }

    static Recorded recorded(String csvName) {
        try (InputStream in = Fixtures.class.getResourceAsStream(csvName)) {
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            String[] header = lines.get(0).split(",");
            int inputs = (int) java.util.Arrays.stream(header).filter(h -> h.startsWith("x")).count();
            int outputs = header.length - inputs;
            int n = lines.size() - 1;
            double[] x = new double[n * inputs];
            double[] y = new double[n * outputs];
            for (int i = 0; i < n; i++) {
                String[] cells = lines.get(i + 1).split(",");
                for (int j = 0; j < inputs; j++) {
                    x[i * inputs + j] = Double.parseDouble(cells[j]);
                }
                for (int j = 0; j < outputs; j++) {
                    y[i * outputs + j] = Double.parseDouble(cells[inputs + j]);
                }
            }
            return new Recorded(n, inputs, outputs, x, y);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A network {@code sizes} with {@code hidden} on the hidden layers and {@code output} on the last, on the cpu
     * backend, with random weights and random biases in [-0.5, 0.5] (so that a bias wired wrongly shows).
     */
    static Network randomNetwork(int[] sizes, Activation hidden, Activation output, Precision precision, long seed) {
        Network.Builder b = Network.builder().input(sizes[0]).precision(precision).seed(seed).backend("cpu");
        for (int i = 1; i < sizes.length; i++) {
            b.dense(sizes[i], i == sizes.length - 1 ? output : hidden);
        }
        Network net = b.build();
        randomBiases(net, seed);
        return net;
    }

    static void randomBiases(Network net, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (Layer l : net.layers()) {
            if (l.bias().isPresent()) {
                double[] b = new double[l.outputs()];
                for (int j = 0; j < b.length; j++) {
                    b[j] = r.nextDouble() - 0.5;
                }
                l.setBiases(b);
            }
        }
    }

    /** {@code n x width} values uniform in [-1, 1). */
    static double[] randomInputs(int n, int width, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * r.nextDouble() - 1;
        }
        return x;
    }

    /** The network's outputs for {@code x} ({@code n} rows). */
    static double[] predict(Network net, double[] x, int n) {
        double[] y = new double[n * net.outputSize()];
        net.predict(x, n, y);
        return y;
    }

    static Bias[] biasKinds() {
        return new Bias[] {Bias.trainable(), Bias.frozen(0.25), Bias.none()};
    }
}
