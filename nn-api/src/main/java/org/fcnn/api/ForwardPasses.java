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

    abstract void run(float[] inputs, int n, float[] outputs);

    abstract void run(double[] inputs, int n, double[] outputs);

    /** Frees the working memory; called once no call is running. */
    abstract void close();
}
