// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;

/**
 * What a classifier network is, as a small value that travels to executors: the layer sizes
 * {@code [inputs, hidden..., classes]}, the hidden layers' activation (the output layer is softmax with
 * cross-entropy), the optimizer, precision, initialisation seed and backend name ({@code auto}: the best one the
 * executor has, found through {@code ServiceLoader} by {@link org.fcnn.api.Backends}). Never holds parameters.
 */
public final class NetworkSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] sizes;
    private final Activation hidden;
    private final String optimizer;
    private final double learningRate;
    private final double momentum;
    private final double weightDecay;
    private final Precision precision;
    private final long seed;
    private final String backend;

    /**
     * @param sizes     {@code [inputs, hidden..., classes]}, each positive, classes at least 2
     * @param hidden    the hidden layers' activation (not softmax)
     * @param optimizer {@code sgd}, {@code momentum} or {@code adam}
     * @param backend   a backend name or {@code auto}
     * @throws IllegalArgumentException naming the bad value
     */
    public NetworkSpec(int[] sizes, Activation hidden, String optimizer, double learningRate, double momentum,
                       double weightDecay, Precision precision, long seed, String backend) {
        if (sizes == null || sizes.length < 2) {
            throw new IllegalArgumentException("sizes need at least the inputs and the classes, got " + Arrays.toString(sizes));
        }
        for (int s : sizes) {
            if (s <= 0) {
                throw new IllegalArgumentException("layer sizes must be positive, got " + Arrays.toString(sizes));
            }
        }
        if (sizes[sizes.length - 1] < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + sizes[sizes.length - 1]);
        }
        if (Objects.requireNonNull(hidden, "hidden") == Activation.SOFTMAX) {
            throw new IllegalArgumentException("softmax is only the output layer's activation");
        }
        this.sizes = sizes.clone();
        this.hidden = hidden;
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer").toLowerCase(Locale.ROOT);
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.precision = Objects.requireNonNull(precision, "precision");
        this.seed = seed;
        this.backend = Objects.requireNonNull(backend, "backend");
        optimizer(); // validates
    }

    /** {@code [inputs, hidden..., classes]}. */
    public int[] sizes() {
        return sizes.clone();
    }

    public int inputs() {
        return sizes[0];
    }

    public int classes() {
        return sizes[sizes.length - 1];
    }

    public Precision precision() {
        return precision;
    }

    public String backend() {
        return backend;
    }

    /** The optimizer at the base learning rate. */
    public Optimizer optimizer() {
        Optimizer o = switch (optimizer) {
            case "sgd" -> Optimizer.sgd(learningRate);
            case "momentum" -> Optimizer.momentum(learningRate, momentum);
            case "adam" -> Optimizer.adam(learningRate);
            default -> throw new IllegalArgumentException("optimizer must be sgd, momentum or adam, got " + optimizer);
        };
        return weightDecay == 0 ? o : o.withWeightDecay(weightDecay);
    }

    /** The same network with another backend name (e.g. the model's own for prediction). */
    public NetworkSpec withBackend(String name) {
        return new NetworkSpec(sizes, hidden, optimizer, learningRate, momentum, weightDecay, precision, seed, name);
    }

    /**
     * Builds the network on its backend, initialised from the seed: the same spec gives the same initial weights
     * on every JVM. The caller closes it.
     */
    public Network build() {
        return build(0);
    }

    /**
     * As {@link #build()}, with the backend on at most {@code maxThreads} host threads
     * ({@link Network.Builder#maxThreads}; 0: the backend's own count).
     */
    public Network build(int maxThreads) {
        Network.Builder b = Network.builder().input(sizes[0]);
        for (int i = 1; i < sizes.length - 1; i++) {
            b.dense(sizes[i], hidden);
        }
        b.dense(sizes[sizes.length - 1], Activation.SOFTMAX).optimizer(optimizer()).precision(precision).seed(seed);
        if (!"auto".equals(backend)) {
            b.backend(backend);
        }
        if (maxThreads > 0) {
            b.maxThreads(maxThreads);
        }
        return b.build();
    }

    /** A key naming the architecture, precision and backend (what executors cache networks by). */
    String key() {
        return Arrays.toString(sizes) + " " + hidden.id() + " " + precision + " " + backend;
    }

    @Override
    public String toString() {
        return "NetworkSpec(" + key() + ", " + optimizer() + ", seed " + seed + ")";
    }
}
