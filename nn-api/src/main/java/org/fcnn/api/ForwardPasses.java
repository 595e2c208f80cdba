// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/**
 * How a {@link Predictor} runs its forward passes on its {@link FrozenLayers}: on a pool of contexts at once
 * ({@link ConcurrentPasses}, backends with {@link org.fcnn.spi.ForwardContext}s) or one call at a time
 * ({@link SerialPasses}). Arguments are checked by the predictor: {@code inputs [n x in]},
 * {@code outputs [n x out]}, row-major, exact lengths, {@code n >= 1}.
 */
abstract class ForwardPasses {
    /** Whether several calls compute at the same time. */
    abstract boolean concurrent();

    /** One forward pass; throws {@link IllegalStateException} once {@link #shutDown()} has begun. */
    abstract void run(float[] inputs, int n, float[] outputs);

    abstract void run(double[] inputs, int n, double[] outputs);

    /**
     * Refuses new calls (they throw {@link IllegalStateException}) and returns once every call already
     * computing has finished. Called once, by {@link Predictor#close()}; returns {@code true} if the thread was
     * interrupted while waiting (the interrupt is left for the caller to restore).
     */
    abstract boolean shutDown();

    /** Frees the working memory; called after {@link #shutDown()}. */
    abstract void close();

    static IllegalStateException closed() {
        return new IllegalStateException("predictor is closed");
    }
}
