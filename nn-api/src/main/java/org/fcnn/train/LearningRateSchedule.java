// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

/**
 * The learning rate of each epoch, from the optimizer's base rate. Epochs are numbered from 1.
 *
 * <pre>{@code
 * LearningRateSchedule.constant()          // base every epoch
 * LearningRateSchedule.step(3, 0.1)        // base for epochs 1-3, base/10 for 4-6, base/100 for 7-9, ...
 * LearningRateSchedule.cosine()            // base * (1 + cos(pi * (epoch - 1) / epochs)) / 2
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /**
     * The learning rate for {@code epoch} (1-based) of {@code epochs}, given the base rate.
     *
     * @return a finite rate {@code > 0}
     */
    double learningRate(int epoch, int epochs, double baseRate);

    /** The base rate throughout. */
    static LearningRateSchedule constant() {
        return new NamedSchedule("constant", (epoch, epochs, base) -> base);
    }

    /**
     * Step decay: the rate is multiplied by {@code factor} every {@code everyEpochs} epochs, i.e.
     * {@code base * factor^floor((epoch - 1) / everyEpochs)}.
     */
    static LearningRateSchedule step(int everyEpochs, double factor) {
        if (everyEpochs <= 0) {
            throw new IllegalArgumentException("step: everyEpochs must be positive, got " + everyEpochs);
        }
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("step: factor must be in (0, 1], got " + factor);
        }
        return new NamedSchedule("step(every " + everyEpochs + ", x" + factor + ")",
                (epoch, epochs, base) -> base * Math.pow(factor, (epoch - 1) / everyEpochs));
    }

    /**
     * Cosine annealing without restarts from the base rate down towards 0 over the run:
     * {@code base * (1 + cos(pi * (epoch - 1) / epochs)) / 2}; epoch 1 has the base rate.
     */
    static LearningRateSchedule cosine() {
        return cosine(0);
    }

    /**
     * Cosine annealing towards {@code minFraction * base}:
     * {@code min + (base - min) * (1 + cos(pi * (epoch - 1) / epochs)) / 2}.
     */
    static LearningRateSchedule cosine(double minFraction) {
        if (!(minFraction >= 0 && minFraction < 1)) {
            throw new IllegalArgumentException("cosine: minFraction must be in [0, 1), got " + minFraction);
        }
        return new NamedSchedule(minFraction == 0 ? "cosine" : "cosine(min " + minFraction + ")", (epoch, epochs, base) -> {
            double min = minFraction * base;
            return min + (base - min) * (1 + Math.cos(Math.PI * (epoch - 1) / epochs)) / 2;
        });
    }
}
