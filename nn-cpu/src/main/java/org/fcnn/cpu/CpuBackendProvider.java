// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/** Provides the {@code cpu} backend: always available, lowest priority (0). */
public final class CpuBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.available(describeDevice(CpuKernels.get(), CpuThreads.fromProperty().count()));
    }

    @Override
    public Backend create() {
        return new CpuBackend();
    }

    /** A backend whose products use {@code min(maxThreads, fcnn.cpu.threads)} threads. */
    @Override
    public Backend create(int maxThreads) {
        return new CpuBackend(CpuKernels.get(), CpuThreads.atMost(maxThreads, CpuThreads.fromProperty().count()));
    }

    /** E.g. {@code Java 17 on amd64, 2 cores, Vector API 512-bit kernels, 2 threads}. */
    static String describeDevice(CpuKernels kernels, int threads) {
        return "Java " + Runtime.version().feature() + " on " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, " + kernels.description() + ", "
                + threads + (threads == 1 ? " thread" : " threads");
    }
}
