// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import jcuda.driver.CUdeviceptr;
import org.fcnn.api.Precision;

/** A matrix in CUDA device memory of exactly {@code rows * cols * precision.bytes()} bytes. */
final class CudaMatrix extends org.fcnn.spi.Matrix {
    /** The device allocation; null once freed. */
    CUdeviceptr ptr;

    CudaMatrix(CudaBackend backend, int rows, int cols, Precision precision, CUdeviceptr ptr) {
        super(backend, rows, cols, precision);
        this.ptr = ptr;
    }

    @Override
    protected void free() {
        ((CudaBackend) backend()).freeMemory(this);
    }
}
