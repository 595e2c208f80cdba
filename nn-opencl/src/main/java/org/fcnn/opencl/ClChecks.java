// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.api.BackendException;
import org.jocl.CL;

/** Turns OpenCL error codes into {@link BackendException}s with context. */
final class ClChecks {
    private ClChecks() {
    }

    /** Throws if {@code err} is not {@code CL_SUCCESS}; {@code what} names the call and its context. */
    static void check(int err, String what) {
        if (err != CL.CL_SUCCESS) {
            throw new BackendException("opencl: " + what + " failed: " + CL.stringFor_errorCode(err));
        }
    }
}
