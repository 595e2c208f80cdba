// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

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
 * chance makes them, as before: only speed depends on it, never a result.
 */
final class ArrayAlignment {
    /** The cache line, and the widest vector: 64 bytes. */
    static final int CACHE_LINE = 64;
    /** Bytes from a primitive array's start to its element 0 on a 64-bit HotSpot with compressed class pointers. */
    static final int ARRAY_HEADER_BYTES = 16;

    private ArrayAlignment() {
    }

    /** The first index of an array of {@code elementBytes}-byte elements that starts a cache line, if the array does. */
    static int alignedStart(int elementBytes) {
        return (CACHE_LINE - ARRAY_HEADER_BYTES % CACHE_LINE) % CACHE_LINE / elementBytes;
    }
}
