// SPDX-License-Identifier: Apache-2.0
/**
 * What the device backends (OpenCL, CUDA) share: the host side of the kernel body {@code nn_kernels.body}.
 *
 * <p>{@link org.fcnn.spi.device.KernelBackend} implements every kernel operation of the SPI once, as calls of
 * the body's kernels: which {@link org.fcnn.spi.device.Kernel} runs, with which arguments, in which
 * {@link org.fcnn.spi.device.Geometry}. A device backend extends it and implements only memory, errors and
 * {@link org.fcnn.spi.device.KernelBackend#launch launch}, which turns one
 * {@link org.fcnn.spi.device.KernelCall} into its API's calls (OpenCL: work items and {@code clSetKernelArg};
 * CUDA: a grid of blocks and {@code cuLaunchKernel}).
 *
 * <p>{@link org.fcnn.spi.device.Kernel} is the one table of the body's kernels and their parameter lists:
 * every call is checked against it while it is composed, and the CUDA module's tests check it against the
 * committed PTX, so the OpenCL conformance run also checks the CUDA backend's argument lists and geometry.
 */
package org.fcnn.spi.device;
