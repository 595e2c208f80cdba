// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fcnn.api.Activation;
import org.fcnn.api.BackendException;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the conformance suite does not cover: device choice, the unavailable path, build errors, leaks. */
class OpenClBackendTest {

    private static ClDevices.Probe availableOrSkip() {
        ClDevices.Probe probe = ClDevices.probe();
        Assumptions.assumeTrue(probe.available(), () -> "no OpenCL device: " + probe.reason());
        return probe;
    }

    private static ClDevice fake(int p, int d, int global, String name, boolean gpu) {
        return new ClDevice(p, d, global, null, null, name, "platform " + p, "OpenCL 3.0", gpu, !gpu, true,
                1L << 30, 1L << 28, 65536, 1024, 4);
    }

    @Test
    void deviceSelectorAcceptsPlatformColonDeviceGlobalIndexOrName() {
        List<ClDevice> devices = List.of(fake(0, 0, 0, "pthread-cpu", false), fake(1, 0, 1, "NVIDIA H200", true),
                fake(1, 1, 2, "NVIDIA L4", true));
        assertSame(devices.get(1), ClDevices.select(devices, "1:0"));
        assertSame(devices.get(2), ClDevices.select(devices, "2"));
        assertSame(devices.get(2), ClDevices.select(devices, "l4"));
        assertSame(devices.get(0), ClDevices.select(devices, " PTHREAD "));
        assertNull(ClDevices.select(devices, "3"));
        assertNull(ClDevices.select(devices, "0:1"));
        assertNull(ClDevices.select(devices, "radeon"));
    }

    @Test
    void anUnmatchedSelectorMakesTheBackendUnavailableAndListsTheDevices() {
        ClDevices.Probe real = availableOrSkip();
        ClDevices.Probe probe = ClDevices.doProbe("no-such-device-xyz");
        assertFalse(probe.available());
        assertTrue(probe.reason().contains("no-such-device-xyz"), probe.reason());
        assertTrue(probe.reason().contains(real.devices().get(0).name()), probe.reason());
    }

    @Test
    void onlyPoclIsRecognisedFromTheVendorFiles() {
        assertTrue(IcdVendors.onlyPocl(List.of("libpocl.so.2.10.0")));
        assertTrue(IcdVendors.onlyPocl(List.of("/usr/lib/x86_64-linux-gnu/pocl/libpocl.so.2", "libpocl.so.2")));
        assertFalse(IcdVendors.onlyPocl(List.of("libpocl.so.2", "libnvidia-opencl.so.1")));
        assertFalse(IcdVendors.onlyPocl(List.of()));
    }

    @Test
    void aCpuDeviceRanksBelowTheCpuBackendAndAGpuAboveIt() {
        ClDevices.Probe probe = availableOrSkip();
        int priority = new OpenClBackendProvider().priority();
        if (probe.chosen().cpu()) {
            assertTrue(priority < 0, "OpenCL on a CPU device must rank below the cpu backend (0), got " + priority);
        } else {
            assertTrue(priority > 0, "OpenCL on a " + probe.chosen().typeName() + " must rank above cpu, got " + priority);
        }
    }

    @Test
    void availabilityListsEveryDeviceAndTheOneUsed() {
        ClDevices.Probe probe = availableOrSkip();
        Availability a = new OpenClBackendProvider().diagnose();
        assertTrue(a.available());
        for (ClDevice d : probe.devices()) {
            assertTrue(a.detail().contains(d.name()), a.detail());
        }
        assertTrue(a.detail().contains("used"), a.detail());
        assertTrue(a.detail().contains("fp64"), a.detail());
    }

    @Test
    void withoutAnOpenClVendorTheBackendIsUnavailableWithAnActionableReason(@TempDir Path emptyVendors)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                ProbeMain.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.redirectErrorStream(true);
        Process process = pb.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), out);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("pocl-opencl-icd") || out.contains("OpenCL library could not be loaded"), out);
    }

    /** Run in a child JVM by the test above: prints the provider's availability. */
    static final class ProbeMain {
        public static void main(String[] args) {
            Availability a = new OpenClBackendProvider().availability();
            System.out.println("available=" + a.available() + " detail=" + a.detail());
            try {
                new OpenClBackendProvider().create();
                System.out.println("create succeeded");
            } catch (org.fcnn.api.BackendUnavailableException e) {
                System.out.println("create refused: " + e.getMessage());
            }
        }
    }

    @Test
    void aKernelThatDoesNotBuildReportsTheBuildLogAndTheDevice() {
        ClDevices.Probe probe = availableOrSkip();
        ClContext ctx = ClContext.acquire(probe.chosen());
        try {
            BackendException e = assertThrows(BackendException.class, () -> ctx.build(
                    ClContext.resource(ClContext.PRELUDE) + "\nKERNEL broken(GLOBAL REAL* x) { x[0] = undefined_name; }\n",
                    "-D REAL=float", "a broken test kernel"));
            String msg = e.getMessage();
            assertTrue(msg.contains("a broken test kernel"), msg);
            assertTrue(msg.contains(probe.chosen().name()), msg);
            assertTrue(msg.contains("build log"), msg);
            assertTrue(msg.contains("undefined_name"), msg);
        } finally {
            ctx.release();
        }
    }

    @Test
    void closingMatricesNetworksAndTheBackendReleasesEveryBufferAndTheContext() {
        availableOrSkip();
        int contextsBefore = ClContext.liveContexts();
        OpenClBackend backend = (OpenClBackend) new OpenClBackendProvider().create();
        try {
            long start = backend.allocatedBytes();
            for (int round = 0; round < 20; round++) {
                try (Network net = Network.builder().input(7).dense(33, Activation.RELU)
                        .dense(5, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                        .optimizer(Optimizer.adam(0.01)).precision(round % 2 == 0 ? Precision.FLOAT32 : Precision.FLOAT64)
                        .backend(backend).build()) {
                    double[] x = new double[2 * 7];
                    double[] t = {1, 0, 0, 0, 0, 0, 0, 1, 0, 0};
                    net.trainBatch(x, t, 2);
                    assertTrue(backend.allocatedBytes() > start);
                }
                Matrix m = backend.allocate(130, 33, Precision.FLOAT32);
                m.close();
                assertEquals(start, backend.allocatedBytes());
                assertEquals(0, backend.liveBuffers());
            }
            // Matrices left open are freed by the backend's close.
            backend.allocate(3, 3, Precision.FLOAT64);
            assertEquals(1, backend.liveBuffers());
        } finally {
            backend.close();
        }
        assertEquals(0, backend.liveBuffers());
        assertEquals(contextsBefore, ClContext.liveContexts());
    }

    @Test
    void backendsOnTheSameDeviceShareOneContext() {
        availableOrSkip();
        int before = ClContext.liveContexts();
        try (Backend a = new OpenClBackendProvider().create(); Backend b = new OpenClBackendProvider().create()) {
            assertTrue(ClContext.liveContexts() <= before + 1);
            Matrix ma = a.allocate(2, 2, Precision.FLOAT32);
            Matrix mb = b.allocate(2, 2, Precision.FLOAT32);
            a.fill(ma, 1);
            b.fill(mb, 2);
            a.close();
            assertEquals(2.0, mb.toArray()[3]);
        }
        assertEquals(before, ClContext.liveContexts());
    }

    @Test
    void kernelSourcesAreResourcesOfTheJar() {
        String src = ClContext.source();
        assertTrue(src.contains("KERNEL gemm("));
        assertTrue(src.contains("__kernel"));
    }
}
