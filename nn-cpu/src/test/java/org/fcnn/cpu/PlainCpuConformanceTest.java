// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendConformanceTest;
import org.fcnn.spi.BackendProvider;

/** The CPU backend with the plain-Java kernels forced, on three threads (an uneven split), against the suite. */
class PlainCpuConformanceTest extends BackendConformanceTest {
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
                return Availability.available("plain-Java kernels, 3 threads");
            }

            @Override
            public Backend create() {
                return new CpuBackend(new PlainCpuKernels("plain-Java kernels (test)"), new CpuThreads(3));
            }

            @Override
            public Backend create(int maxThreads) {
                return new CpuBackend(new PlainCpuKernels("plain-Java kernels (test)"), CpuThreads.atMost(maxThreads, 3));
            }
        };
    }
}
