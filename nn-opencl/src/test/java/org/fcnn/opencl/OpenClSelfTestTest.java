// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.SelfTest;
import org.fcnn.spi.device.KernelBackend;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The device self-test on a real OpenCL device (PoCL in CI): it passes on a sound device, catches a
 * corrupted kernel ({@value KernelBackend#CORRUPT_PROPERTY}{@code =gemm}) with the difference, runs once
 * per JVM, and a failure makes the backend unavailable with its reason, in a child JVM with the properties
 * a user would set. (Its cost on PoCL is in docs/RELIABILITY.md, from the debug log, not timed here.)
 */
class OpenClSelfTestTest {

    private static void deviceOrSkip() {
        ClDevices.Probe probe = ClDevices.probe();
        Assumptions.assumeTrue(probe.available(), () -> "no OpenCL device: " + probe.reason());
    }

    @Test
    void aCorruptedProductFailsTheSelfTestWithTheDifference() {
        deviceOrSkip();
        try (Backend backend = new OpenClBackendProvider().create()) {
            assertTrue(SelfTest.run(backend).passed(), "sound device first");
            System.setProperty(KernelBackend.CORRUPT_PROPERTY, "gemm");
            SelfTest.Result result;
            try {
                result = SelfTest.run(backend);
            } finally {
                System.clearProperty(KernelBackend.CORRUPT_PROPERTY);
            }
            assertFalse(result.passed());
            assertTrue(result.detail().startsWith("prediction [") && result.detail().contains("differs by")
                    && result.detail().contains("on opencl"), result.detail());
            assertTrue(SelfTest.run(backend).passed(), "sound again once the fault is gone");
        }
    }

    @Test
    void verifyRunsOncePerNameAndKeepsTheOutcome() {
        deviceOrSkip();
        AtomicInteger opened = new AtomicInteger();
        Availability found = Availability.available("a device");
        String name = "opencl-once-" + System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Availability a = SelfTest.verify(name, found, () -> {
                opened.incrementAndGet();
                return new OpenClBackendProvider().create();
            });
            assertEquals(found, a);
        }
        assertEquals(1, opened.get());
        Availability absent = Availability.unavailable("no device");
        assertEquals(absent, SelfTest.verify(name + "-absent", absent, () -> {
            throw new AssertionError("not opened when the probe already failed");
        }));
    }

    @Test
    void aFailedSelfTestMakesTheBackendUnavailableWithItsReason() throws Exception {
        deviceOrSkip();
        Map<String, String> faulty = child("-Dfcnn.selfTest=always", "-D" + KernelBackend.CORRUPT_PROPERTY + "=gemm");
        assertTrue(faulty.get("list.opencl").startsWith("false self-test failed: prediction ["), faulty.toString());
        assertTrue(faulty.get("list.opencl").contains("differs by"), faulty.toString());
        assertEquals("cpu", faulty.get("selected"), "automatic selection falls back: " + faulty);
        assertTrue(faulty.get("forced").contains("backend 'opencl' is unavailable: self-test failed: prediction"),
                faulty.toString());

        Map<String, String> sound = child("-Dfcnn.selfTest=always");
        assertTrue(sound.get("list.opencl").startsWith("true "), sound.toString());
        assertEquals("opened opencl", sound.get("forced"), sound.toString());

        Map<String, String> off = child("-Dfcnn.selfTest=off", "-D" + KernelBackend.CORRUPT_PROPERTY + "=gemm");
        assertTrue(off.get("list.opencl").startsWith("true "), "off: no self-test, so no verdict: " + off);
    }

    private static Map<String, String> child(String... properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(properties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SelfTestMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("LD_PRELOAD", Path.of(System.getProperty("java.home"), "lib", "libjsig.so").toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        assertEquals(0, process.exitValue(), out);
        Map<String, String> lines = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                lines.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return lines;
    }
}
