package org.fcnn.opencl;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/** Placeholder until the opencl backend lands. */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability availability() {
        return Availability.unavailable("not implemented yet");
    }

    @Override
    public Backend create() {
        throw new BackendUnavailableException("opencl: not implemented yet");
    }
}
