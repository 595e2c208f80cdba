// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.DataParallelConformanceTest;

/** The cpu backend against the shared data-parallel suite (gradients without a step, given gradients, state). */
class CpuDataParallelConformanceTest extends DataParallelConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
