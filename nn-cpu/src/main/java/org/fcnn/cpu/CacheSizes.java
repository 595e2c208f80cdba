// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The data cache sizes of one core, in bytes, as the OS reports them (Linux: {@code
 * /sys/devices/system/cpu/cpu0/cache/index*}), with the defaults of a typical x86 server core where it
 * says nothing (32 KiB L1d, 512 KiB L2, 2 MiB of L3 per core). L3 is the share of one core.
 */
record CacheSizes(long l1d, long l2, long l3PerCore, boolean fromOs) {
    static final CacheSizes DEFAULT = new CacheSizes(32 << 10, 512 << 10, 2 << 20, false);
    private static final Path LINUX = Path.of("/sys/devices/system/cpu/cpu0/cache");

    /** Reads this machine's sizes once; never fails (falls back to {@link #DEFAULT} piece by piece). */
    static CacheSizes detect() {
        return read(LINUX, Runtime.getRuntime().availableProcessors());
    }

    /** The sizes under a Linux {@code cache} directory of one CPU, with L3 shared by {@code cores}. */
    static CacheSizes read(Path dir, int cores) {
        long l1 = 0;
        long l2 = 0;
        long l3 = 0;
        long l3Sharers = 0;
        for (int i = 0; i < 8; i++) {
            Path index = dir.resolve("index" + i);
            if (!Files.isDirectory(index)) {
                continue;
            }
            String type = read(index.resolve("type"));
            String level = read(index.resolve("level"));
            long size = parseSize(read(index.resolve("size")));
            if (size <= 0 || type == null || level == null || type.equalsIgnoreCase("Instruction")) {
                continue;
            }
            switch (level) {
                case "1" -> l1 = size;
                case "2" -> l2 = size;
                case "3" -> {
                    l3 = size;
                    l3Sharers = sharers(read(index.resolve("shared_cpu_list")));
                }
                default -> { }
            }
        }
        boolean any = l1 > 0 || l2 > 0 || l3 > 0;
        long sharers = l3Sharers > 0 ? l3Sharers : Math.max(1, cores);
        return new CacheSizes(l1 > 0 ? l1 : DEFAULT.l1d, l2 > 0 ? l2 : DEFAULT.l2,
                l3 > 0 ? Math.max(l3 / sharers, l2 > 0 ? l2 : DEFAULT.l2) : DEFAULT.l3PerCore, any);
    }

    /** {@code 32K}, {@code 1024K}, {@code 32M} or a plain byte count; 0 when unreadable. */
    static long parseSize(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1 << 10;
        } else if (t.endsWith("M")) {
            unit = 1 << 20;
        } else if (t.endsWith("G")) {
            unit = 1 << 30;
        }
        if (unit > 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Long.parseLong(t) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The number of CPUs in a list such as {@code 0-3,8-11}; 0 when unreadable. */
    static long sharers(String list) {
        if (list == null || list.isBlank()) {
            return 0;
        }
        long count = 0;
        try {
            for (String part : list.trim().split(",")) {
                int dash = part.indexOf('-');
                count += dash < 0 ? 1 : Long.parseLong(part.substring(dash + 1).trim())
                        - Long.parseLong(part.substring(0, dash).trim()) + 1;
            }
        } catch (NumberFormatException e) {
            return 0;
        }
        return count;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** E.g. {@code L1d 32 KiB, L2 1024 KiB, L3 16384 KiB per core}, with {@code (defaults)} when the OS said nothing. */
    @Override
    public String toString() {
        return "L1d " + (l1d >> 10) + " KiB, L2 " + (l2 >> 10) + " KiB, L3 " + (l3PerCore >> 10) + " KiB per core"
                + (fromOs ? "" : " (defaults)");
    }
}
