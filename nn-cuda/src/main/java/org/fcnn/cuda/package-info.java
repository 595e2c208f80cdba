// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code cuda} backend: fcnn's kernels on NVIDIA GPUs through JCuda's driver API. The kernels are the
 * body shared with the OpenCL backend, compiled with a CUDA prelude to PTX for compute_75 (one module per
 * precision) and committed as resources of this jar ({@code org/fcnn/cuda/kernels/}); see
 * {@code nn-cuda/scripts/ptx.sh}.
 */
package org.fcnn.cuda;
