package org.fcnn.cuda;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/** Placeholder until the cuda backend lands. */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
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
        throw new BackendUnavailableException("cuda: not implemented yet");
    }
}
