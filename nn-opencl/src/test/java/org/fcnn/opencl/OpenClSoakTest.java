// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.BackendSoakTest;

/** The OpenCL backend against the shared memory soak (on PoCL in CI: 10,000 cycles in some 25 s). */
class OpenClSoakTest extends BackendSoakTest {
    @Override
    protected BackendProvider provider() {
        return new OpenClBackendProvider();
    }
}
