// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CPU a benchmark ran on, for its {@code RESULT} lines: the model name (and, since virtual machines
 * often hide it, family and model number), the widest vector instruction set, and the CPU backend's
 * kernels (width and register tile) from its device description. Read from Linux's
 * {@code /proc/cpuinfo}; elsewhere only {@code os.arch}.
 */
final class MachineInfo {
    private static final Pattern KERNELS = Pattern.compile("(Vector API \\d+-bit kernels) \\((\\d+x\\d+ tile(, forced)?)");

    private MachineInfo() {
    }

    /** E.g. {@code cpu="AMD EPYC (family 25, model 17), AVX-512" kernels="Vector API 512-bit kernels, 6x4 tile"}. */
    static String describe(String backendDevice) {
        return "cpu=\"" + cpu(readCpuInfo()) + "\" kernels=\"" + kernels(backendDevice) + "\"";
    }

    /** The CPU from {@code /proc/cpuinfo} lines (empty: only the architecture). */
    static String cpu(List<String> cpuinfo) {
        String model = field(cpuinfo, "model name");
        String family = field(cpuinfo, "cpu family");
        String number = field(cpuinfo, "model");
        String flags = " " + field(cpuinfo, "flags") + " ";
        String arch = System.getProperty("os.arch");
        StringBuilder s = new StringBuilder(model.isEmpty() ? arch : model);
        if (!family.isEmpty() && !number.isEmpty()) {
            s.append(" (family ").append(family).append(", model ").append(number).append(')');
        }
        if (flags.contains(" avx512f ")) {
            s.append(", AVX-512");
        } else if (flags.contains(" avx2 ")) {
            s.append(flags.contains(" fma ") ? ", AVX2+FMA" : ", AVX2");
        } else if (arch.toLowerCase(Locale.ROOT).contains("aarch64")) {
            s.append(", NEON");
        }
        return s.toString();
    }

    /** The kernels part of a CPU backend's device description, or the backend's whole first clause. */
    static String kernels(String device) {
        Matcher m = KERNELS.matcher(device);
        if (m.find()) {
            return m.group(1) + ", " + m.group(2);
        }
        int cut = device.indexOf(';');
        return (cut < 0 ? device : device.substring(0, cut)).replace('"', '\'');
    }

    private static String field(List<String> lines, String name) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    private static List<String> readCpuInfo() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
