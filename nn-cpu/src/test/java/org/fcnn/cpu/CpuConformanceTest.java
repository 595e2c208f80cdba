// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.BackendConformanceTest;
import org.fcnn.spi.BackendProvider;

/** The CPU backend against the shared conformance suite. */
class CpuConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }

    @Override
    public String allocationCaveat() {
        return CpuKernels.get().boxingReason();
    }
}
