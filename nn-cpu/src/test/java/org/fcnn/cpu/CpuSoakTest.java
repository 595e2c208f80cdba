// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.BackendSoakTest;

/** The CPU backend against the shared memory soak. */
class CpuSoakTest extends BackendSoakTest {
    @Override
    protected BackendProvider provider() {
        return new CpuBackendProvider();
    }
}
