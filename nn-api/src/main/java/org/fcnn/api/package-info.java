// SPDX-License-Identifier: Apache-2.0
/**
 * The application-facing API: build a {@link org.fcnn.api.Network} of dense {@link org.fcnn.api.Layer}s,
 * train it with an {@link org.fcnn.api.Optimizer} on a {@link org.fcnn.api.Loss}, and run it, on whichever
 * backend {@link org.fcnn.api.Backends} finds on the class path. A {@link org.fcnn.api.Predictor} serves a
 * trained network's forward pass to any number of threads at once, on a copy of its weights.
 */
package org.fcnn.api;
