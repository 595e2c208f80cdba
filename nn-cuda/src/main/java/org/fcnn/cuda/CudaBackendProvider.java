// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.SelfTest;

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

    /**
     * Available when the driver, a device and the kernels load and the {@link SelfTest} passed on the device
     * (unless {@value SelfTest#PROPERTY} is {@code off}): a device that computes wrong numbers is reported
     * unavailable with the difference, so that automatic selection falls back to the next backend.
     */
    @Override
    public Availability availability() {
        CudaProbe.Result r = CudaProbe.result();
        if (!r.available()) {
            return Availability.unavailable(r.reason());
        }
        Availability found = Availability.available(r.device().describe());
        return SelfTest.wanted(true) ? SelfTest.verify(NAME, found, () -> new CudaBackend(r.device())) : found;
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
