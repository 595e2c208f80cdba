// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.api.BackendUnavailableException;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;
import org.fcnn.spi.SelfTest;

/**
 * Provides the {@code opencl} backend: any OpenCL 1.2 device through JOCL, GPUs preferred over CPUs.
 * Its priority is 20 (above {@code cpu}, below {@code cuda}) when the device is a GPU or accelerator, and
 * -10 (below {@code cpu}) when it is a CPU (for example PoCL): on the same cores the Java {@code cpu}
 * backend is the better choice, so automatic selection only picks an OpenCL CPU device when nothing else
 * can run; {@code fcnn.backend=opencl} still forces it. The device is probed lazily, once per JVM; choose another one with the system property
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
        if (poclOnly()) {
            return CPU_DEVICE_PRIORITY;
        }
        ClDevices.Probe probe = ClDevices.probe();
        return probe.available() && probe.chosen().cpu() ? CPU_DEVICE_PRIORITY : DEVICE_PRIORITY;
    }

    /** Priority with a GPU or accelerator. */
    static final int DEVICE_PRIORITY = 20;
    /** Priority with a CPU device: below the {@code cpu} backend's 0. */
    static final int CPU_DEVICE_PRIORITY = -10;

    /**
     * When PoCL is the only OpenCL driver installed, answers from the ICD vendor files without loading it
     * (see {@link IcdVendors} for why); the devices are probed when the backend is opened or by
     * {@link #diagnose()}. Otherwise probes the devices.
     */
    /**
     * Available when an OpenCL device is found and, on a GPU (or wherever {@value SelfTest#PROPERTY} is
     * {@code always}), the {@link SelfTest} passed on it: a device that computes wrong numbers is reported
     * unavailable with the difference, so that automatic selection passes it by. With only PoCL installed,
     * nothing is loaded here unless the self-test is to run.
     */
    @Override
    public Availability availability() {
        if (poclOnly() && !SelfTest.wanted(false)) {
            return Availability.available("PoCL (OpenCL on the CPU), not loaded until the opencl backend is opened"
                    + " or listed by 'fcnn backends'; it ranks below cpu");
        }
        return diagnose();
    }

    @Override
    public Availability diagnose() {
        ClDevices.Probe probe = ClDevices.probe();
        if (!probe.available()) {
            return Availability.unavailable(probe.reason());
        }
        Availability found = Availability.available(probe.detail());
        return SelfTest.wanted(!probe.chosen().cpu()) ? SelfTest.verify(NAME, found, this::open) : found;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenClBackendProvider.class);
    private static volatile boolean warned;

    /** PoCL brings LLVM's signal handlers into the JVM; without signal chaining they can crash it. Said once. */
    private static void warnAboutSignalHandlers(ClDevice device) {
        String preload = System.getenv("LD_PRELOAD");
        if (!warned && device.platformName().contains("Portable Computing Language")
                && (preload == null || !preload.contains("libjsig"))) {
            warned = true;
            LOG.warn("opencl: PoCL installs LLVM's signal handlers over the JVM's, which can crash the JVM under load;"
                    + " start java with LD_PRELOAD={}/lib/libjsig.so (the JVM's signal chaining) to prevent it",
                    System.getProperty("java.home"));
        }
    }

    private static boolean poclOnly() {
        return IcdVendors.libraries().map(IcdVendors::onlyPocl).orElse(false);
    }

    @Override
    public Backend create() {
        ClDevices.Probe probe = ClDevices.probe();
        if (!probe.available()) {
            throw new BackendUnavailableException("backend opencl cannot run here: " + probe.reason());
        }
        return open();
    }

    /** The backend on the chosen device, without the availability checks. */
    private Backend open() {
        ClDevices.Probe probe = ClDevices.probe();
        warnAboutSignalHandlers(probe.chosen());
        return new OpenClBackend(ClContext.acquire(probe.chosen()));
    }
}
