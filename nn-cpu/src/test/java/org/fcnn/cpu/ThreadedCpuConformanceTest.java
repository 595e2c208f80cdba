// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendConformanceTest;
import org.fcnn.spi.BackendProvider;

/**
 * The CPU backend with the kernels of this JVM (the Vector API ones in the default test run) on three
 * threads, an uneven split of every product big enough to split, against the suite.
 */
class ThreadedCpuConformanceTest extends BackendConformanceTest {
    @Override
    protected BackendProvider provider() {
        return new BackendProvider() {
            @Override
            public String name() {
                return CpuBackendProvider.NAME;
            }

            @Override
            public int priority() {
                return 0;
            }

            @Override
            public Availability availability() {
                return Availability.available("3 threads");
            }

            @Override
            public Backend create() {
                return new CpuBackend(CpuKernels.get(), new CpuThreads(3));
            }

            @Override
            public Backend create(int maxThreads) {
                return new CpuBackend(CpuKernels.get(), CpuThreads.atMost(maxThreads, 3));
            }
        };
    }

    @Override
    public String allocationCaveat() {
        return CpuKernels.get().boxingReason();
    }
}
