// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.DataParallelConformanceTest;

/** The cuda backend against the shared data-parallel suite (gradients without a step, given gradients, state). */
class CudaDataParallelConformanceTest extends DataParallelConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CudaBackendProvider();
    }
}
