// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.api.Precision;
import org.jocl.cl_mem;

/** A matrix in an OpenCL buffer of exactly {@code rows * cols * precision.bytes()} bytes. */
final class OpenClMatrix extends org.fcnn.spi.Matrix {
    /** The buffer; null once freed. */
    cl_mem mem;

    OpenClMatrix(OpenClBackend backend, int rows, int cols, Precision precision, cl_mem mem) {
        super(backend, rows, cols, precision);
        this.mem = mem;
    }

    @Override
    protected void free() {
        ((OpenClBackend) backend()).freeBuffer(this);
    }
}
