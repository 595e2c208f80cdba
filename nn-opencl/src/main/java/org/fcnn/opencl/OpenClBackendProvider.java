package org.fcnn.opencl;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/**
 * Provides the {@code opencl} backend (priority 20): any OpenCL 1.2 device through JOCL, GPUs preferred
 * over CPUs. The device is probed lazily, once per JVM; choose another one with the system property
 * {@code fcnn.opencl.device} or the environment variable {@code FCNN_OPENCL_DEVICE} ({@code platform:device},
 * a global index, or part of the device name).
 */
public final class OpenClBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "opencl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    @Override
    public Availability availability() {
        ClDevices.Probe probe = ClDevices.probe();
        return probe.available() ? Availability.available(probe.detail())
                : Availability.unavailable(probe.reason());
    }

    @Override
    public Backend create() {
        ClDevices.Probe probe = ClDevices.probe();
        if (!probe.available()) {
            throw new BackendUnavailableException("backend opencl cannot run here: " + probe.reason());
        }
        return new OpenClBackend(ClContext.acquire(probe.chosen()));
    }
}
