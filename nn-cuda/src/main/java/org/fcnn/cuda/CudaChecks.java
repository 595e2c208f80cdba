// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import jcuda.driver.CUresult;
import org.fcnn.api.BackendException;

/** Turns CUDA driver results into {@link BackendException}s with context. */
final class CudaChecks {
    private CudaChecks() {
    }

    /** Throws if {@code rc} is not {@code CUDA_SUCCESS}; {@code what} names the call and its context. */
    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new BackendException("cuda: " + what + " failed: " + CUresult.stringFor(rc));
        }
    }
}
