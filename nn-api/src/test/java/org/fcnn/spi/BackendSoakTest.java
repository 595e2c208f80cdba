// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The memory soak every backend passes, in a child JVM ({@link SoakMain}) with a fixed, pre-touched heap so
 * that its resident memory moves only with native memory: {@link #cycles()} cycles of build, train a few
 * steps, predict and close on one backend. The backend's allocated bytes must return to where they started
 * after every close, and the process's resident memory may grow by less than 10% from a tenth of the cycles
 * to the end. The system property {@value #CYCLES_PROPERTY} sets the cycles (the {@code soak} profile runs a
 * long variant). Skipped with the provider's reason when the backend cannot run here, unless it is named in
 * {@code fcnn.require}.
 */
public abstract class BackendSoakTest {
    /** System property: the number of cycles (default {@link #cycles()}). */
    public static final String CYCLES_PROPERTY = "fcnn.soak.cycles";

    /** The provider of the backend under test. */
    protected abstract BackendProvider provider();

    /** Cycles of the short form, run in {@code mvn verify}. */
    protected int cycles() {
        return 10_000;
    }

    @Test
    void memoryReturnsAfterEveryCloseAndNativeMemoryStaysFlat() throws IOException, InterruptedException {
        BackendProvider provider = provider();
        Availability availability = provider.availability();
        if (!availability.available()) {
            if (BackendConformanceTest.required(provider.name())) {
                fail("backend '" + provider.name() + "' is required but unavailable: " + availability.reason());
            }
            Assumptions.abort("backend '" + provider.name() + "' unavailable: " + availability.reason());
        }
        int cycles = Integer.getInteger(CYCLES_PROPERTY, cycles());
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = List.of(java, "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                SoakMain.class.getName(), provider.name(), Integer.toString(cycles));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!child.waitFor(10, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            fail("soak of " + provider.name() + " did not finish in 10 minutes: " + out);
        }
        assertEquals(0, child.exitValue(), "soak of " + provider.name() + " failed: " + out);
        assertTrue(out.contains("DONE"), out);
        long warm = value(out, "RSS-WARM ");
        long end = value(out, "RSS-END ");
        System.out.printf("soak %s: %d cycles, allocated bytes back to the start after each; resident %d -> %d KiB"
                + " (%+.1f%%)%n", provider.name(), cycles, warm >> 10, end >> 10, 100.0 * (end - warm) / warm);
        Assumptions.assumeTrue(warm > 0, "no /proc/self/statm here: resident memory not measured");
        assertTrue(end < warm * 1.10, "resident memory grew by 10% or more from cycle " + Math.max(1, cycles / 10)
                + " (" + (warm >> 10) + " KiB) to cycle " + cycles + " (" + (end >> 10) + " KiB): " + out);
    }

    private static long value(String out, String key) {
        for (String line : out.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim());
            }
        }
        fail("no " + key.trim() + " line in the soak's output: " + out);
        return 0;
    }
}
