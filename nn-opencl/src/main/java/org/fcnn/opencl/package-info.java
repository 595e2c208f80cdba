// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code opencl} backend: fcnn's kernels on any OpenCL 1.2 device through JOCL. The kernel sources
 * are resources of this jar ({@code org/fcnn/opencl/kernels/}: one neutral body, {@code nn_kernels.body},
 * plus the OpenCL C prelude); the CUDA backend compiles the same body to PTX with its own prelude.
 */
package org.fcnn.opencl;
