// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.spi.BackendConformanceTest;
import org.fcnn.spi.BackendProvider;

/** The OpenCL backend against the shared conformance suite (on PoCL in CI, float32 and float64). */
class OpenClConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new OpenClBackendProvider();
    }
}
