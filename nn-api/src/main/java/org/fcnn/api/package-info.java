/**
 * The application-facing API: build a {@link org.fcnn.api.Network} of dense {@link org.fcnn.api.Layer}s,
 * train it with an {@link org.fcnn.api.Optimizer} on a {@link org.fcnn.api.Loss}, and run it, on whichever
 * backend {@link org.fcnn.api.Backends} finds on the class path.
 */
package org.fcnn.api;
