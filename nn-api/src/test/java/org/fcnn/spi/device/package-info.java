// SPDX-License-Identifier: Apache-2.0
/**
 * A {@link org.fcnn.spi.device.KernelBackend} without a device that records the kernel calls it composes
 * ({@link org.fcnn.spi.device.RecordingKernelBackend}), for checking the composition without a GPU.
 */
package org.fcnn.spi.device;
