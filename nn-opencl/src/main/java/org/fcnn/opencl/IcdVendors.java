// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads which OpenCL drivers are installed from the ICD loader's vendor files
 * ({@code /etc/OpenCL/vendors/*.icd}, or the directory in {@code OCL_ICD_VENDORS}) without loading any of
 * them.
 *
 * <p>Why: PoCL, the OpenCL driver for CPUs, registers LLVM's signal handlers in the process when it
 * initialises, replacing the JVM's own SIGSEGV/SIGFPE handlers; Java threads computing hard at the same
 * time then crash the JVM now and then (seen here: 4 of 6 two-thread CPU trainings died with SIGSEGV once
 * the OpenCL backend had merely been probed). So when PoCL is the only driver, the provider does not load
 * it until the OpenCL backend is actually opened.
 */
final class IcdVendors {
    private IcdVendors() {
    }

    /**
     * The vendor libraries named by the ICD files, when they can be read without loading anything (Linux
     * and similar); empty when there is no way to tell (another OS, {@code OCL_ICD_FILENAMES} set).
     */
    static Optional<List<String>> libraries() {
        if (System.getenv("OCL_ICD_FILENAMES") != null
                || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        String dir = System.getenv("OCL_ICD_VENDORS");
        Path vendors = Path.of(dir == null || dir.isBlank() ? "/etc/OpenCL/vendors" : dir);
        if (!Files.isDirectory(vendors)) {
            return Optional.of(List.of());
        }
        List<String> libraries = new ArrayList<>();
        try (Stream<Path> files = Files.list(vendors)) {
            for (Path icd : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".icd")).sorted()::iterator) {
                libraries.add(Files.readString(icd, StandardCharsets.UTF_8).trim());
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of(libraries);
    }

    /** Whether every installed driver is PoCL (and there is at least one). */
    static boolean onlyPocl(List<String> libraries) {
        return !libraries.isEmpty() && libraries.stream().allMatch(l -> l.contains("libpocl"));
    }
}
