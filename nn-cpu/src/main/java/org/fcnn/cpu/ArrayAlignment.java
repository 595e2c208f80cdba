// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.lang.management.ManagementFactory;

/**
 * Where the cache-line-aligned elements of a large array start.
 *
 * <p>HotSpot places a large array (one of G1's or Shenandoah's humongous objects, or on a ZGC large page)
 * at the start of its region, and a primitive array's elements begin {@value #ARRAY_HEADER_BYTES} bytes
 * after the object (mark word, compressed class pointer, length: the 64-bit default). A 512-bit load
 * from such an array's element 0 therefore straddles two cache lines; measured on an Intel Xeon (family 6
 * model 207, AVX-512), the micro-kernels ran 5-25% slower on such panels than on aligned ones, because
 * every split load costs two. The packed B panels start at {@link #alignedStart(int)} instead.
 *
 * <p>Where the assumption does not hold (a small array, another collector), the panels are as aligned as
 * chance makes them, as before: only speed depends on it, never a result. {@link #regionStartFloats} makes an
 * array large enough for the assumption to hold, for the read-only copies of {@link CpuMatrix#aligned}.
 */
final class ArrayAlignment {
    /** The cache line, and the widest vector: 64 bytes. */
    static final int CACHE_LINE = 64;
    /** Bytes from a primitive array's start to its element 0 on a 64-bit HotSpot with compressed class pointers. */
    static final int ARRAY_HEADER_BYTES = 16;

    /** G1's region size in bytes, or 0 where the JVM does not run G1 or does not say. */
    private static final long G1_REGION_BYTES = g1RegionBytes();

    private ArrayAlignment() {
    }

    private static long g1RegionBytes() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean vm =
                    ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (vm == null || !Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            return Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or no jdk.management: no aligned copies
            return 0;
        }
    }

    /**
     * A {@code float[]} of at least {@code length} elements that G1 places at the start of a region of its
     * own (a humongous object: at least half a region, which G1 also never moves), so that its element
     * {@link #alignedStart(int) alignedStart(4)} starts a cache line; or {@code null} where the JVM does not run
     * G1, or where that array would be more than {@code maxWaste} times {@code length} (regions are 1 to 32 MiB,
     * by heap size).
     */
    static float[] regionStartFloats(int length, int maxWaste) {
        if (G1_REGION_BYTES <= 0) {
            return null;
        }
        long humongous = (G1_REGION_BYTES / 2 - ARRAY_HEADER_BYTES + Float.BYTES - 1) / Float.BYTES;
        long size = Math.max(length, humongous);
        if (size > (long) maxWaste * length || size > Integer.MAX_VALUE - 16) {
            return null;
        }
        return new float[(int) size];
    }

    /** The first index of an array of {@code elementBytes}-byte elements that starts a cache line, if the array does. */
    static int alignedStart(int elementBytes) {
        return (CACHE_LINE - ARRAY_HEADER_BYTES % CACHE_LINE) % CACHE_LINE / elementBytes;
    }
}
