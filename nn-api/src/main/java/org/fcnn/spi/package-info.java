// SPDX-License-Identifier: Apache-2.0
/**
 * The service-provider interface that backend jars implement: a {@link org.fcnn.spi.BackendProvider}
 * (found by {@link java.util.ServiceLoader}) reports its {@link org.fcnn.spi.Availability} and creates a
 * {@link org.fcnn.spi.Backend}, which owns {@link org.fcnn.spi.Matrix} memory and runs the kernels.
 * Arguments are validated in {@link org.fcnn.spi.Backend} before an implementation sees them. A network
 * drives a backend through a dense layer's fused passes ({@code denseForward}, {@code outputDelta},
 * {@code denseGradients}, {@code backpropagate}); their default implementations compose the primitive
 * kernels, and a backend overrides them to save passes and calls. A plain-SGD training step without
 * dropout goes through one call, {@link org.fcnn.spi.Backend#sgdStep} on a {@link org.fcnn.spi.DenseStack}
 * (the stack's matrices, checked once when it is made), whose default composes those passes; the CPU
 * backend runs tiny networks there as one step compiled for their sizes. A backend whose kernels can serve
 * several threads at once makes {@link org.fcnn.spi.ForwardContext}s: one caller's working memory for forward
 * passes on the backend's matrices, which {@link org.fcnn.api.Predictor} pools. A predictor's weights are
 * {@linkplain org.fcnn.spi.Backend#freeze frozen}: read-only from then on (every writing call refuses them), so
 * that a backend may keep them in a layout that is faster to read.
 */
package org.fcnn.spi;
