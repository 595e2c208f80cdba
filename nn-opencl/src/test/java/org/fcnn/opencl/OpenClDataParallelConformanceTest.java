// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.DataParallelConformanceTest;

/** The opencl backend against the shared data-parallel suite (gradients without a step, given gradients, state). */
class OpenClDataParallelConformanceTest extends DataParallelConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new OpenClBackendProvider();
    }
}
