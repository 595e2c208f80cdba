// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import org.fcnn.spi.BackendConformanceTest;
import org.fcnn.spi.BackendProvider;

/** The CUDA backend against the shared conformance suite; skipped with the reason where there is no GPU. */
class CudaConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CudaBackendProvider();
    }
}
