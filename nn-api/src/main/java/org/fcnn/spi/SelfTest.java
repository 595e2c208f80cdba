// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.fcnn.api.Activation;
import org.fcnn.api.Layer;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device backend's proof that it computes what the CPU computes, before it is trusted.
 *
 * <p>{@link #run(Backend)} builds a 3-5-4-2 network on the backend (tanh and sigmoid hidden layers, a softmax
 * output with cross-entropy: every kernel of a training step but dropout and the other optimizers), predicts
 * a batch of three samples, takes one SGD step and reads the weights back, and compares each number with
 * the same computation in plain Java doubles. It takes a few milliseconds on top of opening the backend.
 *
 * <p>Device providers call {@link #verify(String, Availability, Supplier)} from their
 * {@link BackendProvider#availability()}: once per JVM and backend name, lazily, when the backend is first
 * asked for. A failure makes the backend unavailable with the reason ({@code self-test failed: ... differs
 * by ...}), so that automatic selection falls back to the next backend and forcing it fails with that
 * reason. The property {@value #PROPERTY} chooses where it runs: {@code auto} (the default: on accelerators,
 * that is CUDA and OpenCL GPUs), {@code always} (also OpenCL on a CPU, such as PoCL), or {@code off}.
 */
public final class SelfTest {
    /** The system property that chooses where the self-test runs: {@code auto}, {@code always} or {@code off}. */
    public static final String PROPERTY = "fcnn.selfTest";

    private static final Logger LOG = LoggerFactory.getLogger(SelfTest.class);
    private static final Map<String, Availability> VERIFIED = new ConcurrentHashMap<>();
    private static final int[] SIZES = {3, 5, 4, 2};
    private static final Activation[] ACTIVATIONS = {Activation.TANH, Activation.SIGMOID, Activation.SOFTMAX};
    private static final int BATCH = 3;
    private static final double LEARNING_RATE = 0.5;

    private SelfTest() {
    }

    /** What one self-test found: whether it passed, what differed if not, and how long it took. */
    public record Result(boolean passed, String detail, long nanos) {
        /** The time in milliseconds. */
        public double millis() {
            return nanos / 1e6;
        }
    }

    /**
     * Whether the self-test runs for a device that is ({@code accelerator}) or is not a GPU or other
     * accelerator, by {@value #PROPERTY}.
     *
     * @throws IllegalArgumentException if the property has another value, naming it
     */
    public static boolean wanted(boolean accelerator) {
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "auto":
                return accelerator;
            case "always":
                return true;
            case "off":
                return false;
            default:
                throw new IllegalArgumentException(PROPERTY + " must be auto, always or off, not '" + mode + "'");
        }
    }

    /**
     * {@code probe} if it says unavailable; otherwise the outcome of the self-test on a backend from
     * {@code open}, run once per JVM for {@code name} (later calls return the first outcome). The backend
     * is closed afterwards. The time is logged at debug level.
     */
    public static Availability verify(String name, Availability probe, Supplier<? extends Backend> open) {
        if (!probe.available()) {
            return probe;
        }
        return VERIFIED.computeIfAbsent(name, n -> {
            Result result;
            long opening = System.nanoTime();
            try (Backend backend = open.get()) {
                touch(backend);
                opening = System.nanoTime() - opening;
                result = run(backend);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("fcnn: {} self-test could not run", n, e);
                return Availability.unavailable("self-test failed: the device raised an error", e);
            }
            LOG.debug("fcnn: {} self-test {} in {} ms (opening the device and its first transfer: {} ms)", n,
                    result.passed() ? "passed" : "failed", String.format(Locale.ROOT, "%.2f", result.millis()),
                    String.format(Locale.ROOT, "%.2f", opening / 1e6));
            return result.passed() ? probe : Availability.unavailable("self-test failed: " + result.detail());
        });
    }

    /**
     * One tiny write and read: the first transfer to a device initialises it (89-114 ms on PoCL), a cost
     * that the first use pays whatever it is; {@link #verify} counts it with opening the backend, not with
     * the self-test.
     */
    private static void touch(Backend backend) {
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        try (Matrix m = backend.allocate(1, 1, p)) {
            backend.write(m, new double[] {1}, 0);
            m.toArray();
        }
    }

    /**
     * Runs the self-test on {@code backend} in float32 if it supports it, else float64; the backend stays
     * open. Errors of the device propagate.
     */
    public static Result run(Backend backend) {
        long start = System.nanoTime();
        Precision p = backend.supports(Precision.FLOAT32) ? Precision.FLOAT32 : Precision.FLOAT64;
        // float32: the network's numbers are of order 1 after a few float operations each (< 1e-6 apart);
        // a kernel that is wrong at all is off by far more
        double tolerance = p == Precision.FLOAT32 ? 1e-4 : 1e-9;
        Reference ref = new Reference();
        Network.Builder builder = Network.builder().backend(backend).precision(p).input(SIZES[0])
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).optimizer(Optimizer.sgd(LEARNING_RATE));
        for (int l = 0; l < ACTIVATIONS.length; l++) {
            builder.dense(SIZES[l + 1], ACTIVATIONS[l]);
        }
        try (Network net = builder.build()) {
            for (int l = 0; l < ACTIVATIONS.length; l++) {
                net.layer(l).setWeights(ref.w[l]);
                net.layer(l).setBiases(ref.b[l]);
            }
            double[] predicted = new double[BATCH * SIZES[SIZES.length - 1]];
            net.predict(ref.x, BATCH, predicted);
            double[][] a = ref.forward();
            String bad = compare("prediction", predicted, a[a.length - 1], tolerance);
            if (bad == null) {
                double loss = net.trainBatch(ref.x, ref.t, BATCH);
                double refLoss = ref.step(a);
                bad = compare("loss", new double[] {loss}, new double[] {refLoss}, tolerance);
                for (int l = 0; bad == null && l < ACTIVATIONS.length; l++) {
                    Layer layer = net.layer(l);
                    bad = compare("layer " + l + " weight after one SGD step", layer.weights(), ref.w[l], tolerance);
                    if (bad == null) {
                        bad = compare("layer " + l + " bias after one SGD step", layer.biases(), ref.b[l], tolerance);
                    }
                }
            }
            long nanos = System.nanoTime() - start;
            return new Result(bad == null, bad == null ? "" : bad + " (" + p.name().toLowerCase(Locale.ROOT) + " on " + backend.name() + ")", nanos);
        }
    }

    private static String compare(String what, double[] device, double[] reference, double tolerance) {
        for (int i = 0; i < reference.length; i++) {
            double diff = Math.abs(device[i] - reference[i]);
            if (!(diff <= tolerance * Math.max(1, Math.abs(reference[i])))) {
                return String.format(Locale.ROOT, "%s [%d] is %.9g on the device, the CPU reference gives %.9g"
                        + " (differs by %.3g, tolerance %.0e)", what, i, device[i], reference[i], diff, tolerance);
            }
        }
        return null;
    }

    /** The self-test's network and one SGD step of it in plain Java doubles. */
    private static final class Reference {
        final double[][] w = new double[ACTIVATIONS.length][];
        final double[][] b = new double[ACTIVATIONS.length][];
        final double[] x = new double[BATCH * SIZES[0]];
        final double[] t = new double[BATCH * SIZES[SIZES.length - 1]];

        Reference() {
            for (int l = 0; l < ACTIVATIONS.length; l++) {
                int in = SIZES[l];
                int out = SIZES[l + 1];
                w[l] = new double[out * in];
                b[l] = new double[out];
                for (int i = 0; i < w[l].length; i++) {
                    w[l][i] = 0.6 * Math.sin(1.3 * i + 0.7 * l + 0.1);
                }
                for (int i = 0; i < out; i++) {
                    b[l][i] = 0.2 * Math.cos(0.9 * i + l);
                }
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.sin(2.1 * i + 0.3);
            }
            int classes = SIZES[SIZES.length - 1];
            for (int s = 0; s < BATCH; s++) {
                t[s * classes + s % classes] = 1;
            }
        }

        /** The activations of every layer, the input first ({@code [layers + 1][batch * size]}). */
        double[][] forward() {
            double[][] a = new double[ACTIVATIONS.length + 1][];
            a[0] = x;
            for (int l = 0; l < ACTIVATIONS.length; l++) {
                int in = SIZES[l];
                int out = SIZES[l + 1];
                a[l + 1] = new double[BATCH * out];
                for (int s = 0; s < BATCH; s++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < out; j++) {
                        double z = b[l][j];
                        for (int i = 0; i < in; i++) {
                            z += w[l][j * in + i] * a[l][s * in + i];
                        }
                        a[l + 1][s * out + j] = z;
                        max = Math.max(max, z);
                    }
                    double sum = 0;
                    for (int j = 0; j < out; j++) {
                        double z = a[l + 1][s * out + j];
                        double v;
                        switch (ACTIVATIONS[l]) {
                            case TANH: v = Math.tanh(z); break;
                            case SIGMOID: v = 1 / (1 + Math.exp(-z)); break;
                            default: v = Math.exp(z - max); sum += v; break;
                        }
                        a[l + 1][s * out + j] = v;
                    }
                    if (ACTIVATIONS[l] == Activation.SOFTMAX) {
                        for (int j = 0; j < out; j++) {
                            a[l + 1][s * out + j] /= sum;
                        }
                    }
                }
            }
            return a;
        }

        /** One SGD step from the activations {@code a}: updates {@link #w} and {@link #b}; returns the mean loss. */
        double step(double[][] a) {
            int layers = ACTIVATIONS.length;
            int classes = SIZES[layers];
            double[] p = a[layers];
            double loss = 0;
            double[] delta = new double[BATCH * classes];
            for (int i = 0; i < delta.length; i++) {
                loss -= t[i] * Math.log(p[i]);
                delta[i] = (p[i] - t[i]) / BATCH;
            }
            for (int l = layers - 1; l >= 0; l--) {
                int in = SIZES[l];
                int out = SIZES[l + 1];
                double[] below = new double[BATCH * in];
                double[] dw = new double[out * in];
                double[] db = new double[out];
                for (int s = 0; s < BATCH; s++) {
                    for (int j = 0; j < out; j++) {
                        double d = delta[s * out + j];
                        db[j] += d;
                        for (int i = 0; i < in; i++) {
                            dw[j * in + i] += d * a[l][s * in + i];
                            below[s * in + i] += d * w[l][j * in + i];
                        }
                    }
                }
                if (l > 0) {
                    for (int i = 0; i < below.length; i++) {
                        double v = a[l][i];
                        below[i] *= ACTIVATIONS[l - 1] == Activation.TANH ? 1 - v * v : v * (1 - v);
                    }
                }
                for (int i = 0; i < dw.length; i++) {
                    w[l][i] -= LEARNING_RATE * dw[i];
                }
                for (int j = 0; j < out; j++) {
                    b[l][j] -= LEARNING_RATE * db[j];
                }
                delta = below;
            }
            return loss / BATCH;
        }
    }
}
