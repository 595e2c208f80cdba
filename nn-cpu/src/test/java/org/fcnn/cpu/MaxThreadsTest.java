// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Network;
import org.fcnn.spi.Backend;
import org.junit.jupiter.api.Test;

/**
 * A network or backend opened with {@code maxThreads} runs its products on {@code min(maxThreads,
 * fcnn.cpu.threads)} threads, and says so in its device description.
 */
class MaxThreadsTest {
    private static int ownCount() {
        return CpuThreads.fromProperty().count();
    }

    @Test
    void aNetworkOpensItsCpuBackendOnAtMostMaxThreads() {
        try (Network net = Network.builder().input(4).dense(3, Activation.RELU).dense(2, Activation.SOFTMAX)
                .backend("cpu").maxThreads(1).build()) {
            assertTrue(net.backend().device().endsWith(", 1 thread"), net.backend().device());
        }
        try (Backend b = Backends.open("cpu", 1000)) {
            int own = ownCount();
            assertTrue(b.device().endsWith(", " + own + (own == 1 ? " thread" : " threads")),
                    "never more than fcnn.cpu.threads: " + b.device());
        }
    }

    @Test
    void theCountIsTheSmallerOfTheTwoAndAtLeastOne() {
        assertEquals(2, CpuThreads.atMost(2, 8).count());
        assertEquals(3, CpuThreads.atMost(16, 3).count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuThreads.atMost(0, 4));
        assertTrue(e.getMessage().contains("maxThreads") && e.getMessage().contains("got 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Backends.open("cpu", 0));
        assertTrue(e.getMessage().contains("maxThreads"), e.getMessage());
    }
}
