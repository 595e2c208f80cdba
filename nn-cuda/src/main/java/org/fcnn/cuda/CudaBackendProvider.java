// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/**
 * Provides the {@code cuda} backend (priority 30, the highest): NVIDIA GPUs through JCuda's driver API, from
 * PTX shipped in this jar, so only the NVIDIA driver is needed (R580 or newer: the PTX comes from CUDA 13).
 * Availability is decided once per JVM (see {@link CudaProbe}); another device is chosen by index with
 * {@code fcnn.cuda.device} or {@code FCNN_CUDA_DEVICE}.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** The backend's name. */
    public static final String NAME = "cuda";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public Availability availability() {
        CudaProbe.Result r = CudaProbe.result();
        return r.available() ? Availability.available(r.device().describe()) : Availability.unavailable(r.reason());
    }

    @Override
    public Backend create() {
        CudaProbe.Result r = CudaProbe.result();
        if (!r.available()) {
            throw new BackendUnavailableException("backend cuda cannot run here: " + r.reason());
        }
        return new CudaBackend(r.device());
    }
}
