// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/**
 * How a training step turns gradients into parameter changes: an immutable description (kind and
 * hyper-parameters). The per-parameter state it needs (velocities, moments) lives in the {@link Network},
 * on its backend. Weight decay is L2, added to the gradient as PyTorch does.
 */
public final class Optimizer {
    /** The update rule. */
    public enum Kind {
        /** {@code p -= lr * g}. The tutorial's rule. */
        SGD,
        /** {@code v = momentum * v + g; p -= lr * v}. */
        MOMENTUM,
        /** Adam with bias correction (Kingma and Ba), PyTorch's formulation. */
        ADAM
    }

    private final Kind kind;
    private final double learningRate;
    private final double momentum;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;

    private Optimizer(Kind kind, double learningRate, double momentum, double beta1, double beta2,
                      double epsilon, double weightDecay) {
        positive("learning rate", learningRate);
        inUnitInterval("momentum", momentum);
        inUnitInterval("beta1", beta1);
        inUnitInterval("beta2", beta2);
        positive("epsilon", epsilon);
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weight decay must be finite and >= 0, got " + weightDecay);
        }
        this.kind = kind;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
    }

    /** Plain stochastic gradient descent. */
    public static Optimizer sgd(double learningRate) {
        return new Optimizer(Kind.SGD, learningRate, 0, 0.9, 0.999, 1e-8, 0);
    }

    /** SGD with momentum {@code momentum} in {@code [0, 1)}, typically 0.9. */
    public static Optimizer momentum(double learningRate, double momentum) {
        return new Optimizer(Kind.MOMENTUM, learningRate, momentum, 0.9, 0.999, 1e-8, 0);
    }

    /** Adam with the usual {@code beta1 = 0.9}, {@code beta2 = 0.999}, {@code epsilon = 1e-8}. */
    public static Optimizer adam(double learningRate) {
        return adam(learningRate, 0.9, 0.999, 1e-8);
    }

    /** Adam with explicit hyper-parameters. */
    public static Optimizer adam(double learningRate, double beta1, double beta2, double epsilon) {
        return new Optimizer(Kind.ADAM, learningRate, 0, beta1, beta2, epsilon, 0);
    }

    /** The same optimizer with L2 weight decay {@code weightDecay >= 0}. */
    public Optimizer withWeightDecay(double weightDecay) {
        return new Optimizer(kind, learningRate, momentum, beta1, beta2, epsilon, weightDecay);
    }

    /** The same optimizer with another learning rate (learning-rate schedules use this). */
    public Optimizer withLearningRate(double learningRate) {
        return new Optimizer(kind, learningRate, momentum, beta1, beta2, epsilon, weightDecay);
    }

    public Kind kind() {
        return kind;
    }

    public double learningRate() {
        return learningRate;
    }

    public double momentum() {
        return momentum;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public double weightDecay() {
        return weightDecay;
    }

    /** How many state matrices of a parameter's shape the rule keeps: 0, 1 (velocity) or 2 (moments). */
    public int stateSlots() {
        switch (kind) {
            case MOMENTUM: return 1;
            case ADAM: return 2;
            default: return 0;
        }
    }

    private static void positive(String what, double v) {
        if (!(v > 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(what + " must be finite and > 0, got " + v);
        }
    }

    private static void inUnitInterval(String what, double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + v);
        }
    }

    @Override
    public String toString() {
        String s = kind.name().toLowerCase(java.util.Locale.ROOT) + "(lr=" + learningRate;
        if (kind == Kind.MOMENTUM) {
            s += ", momentum=" + momentum;
        } else if (kind == Kind.ADAM) {
            s += ", beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + epsilon;
        }
        return s + (weightDecay > 0 ? ", weightDecay=" + weightDecay : "") + ")";
    }
}
