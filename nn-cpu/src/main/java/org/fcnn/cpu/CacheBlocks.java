// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * The cache blocks of the packed product for one element size and register tile: {@code kc} steps of the
 * inner dimension per packed block, {@code mc} rows of A per packed block (a multiple of the tile's rows)
 * and {@code nc} columns of B per packed block (a multiple of the tile's columns). Sized from the caches in
 * the manner of BLIS's analytical model: a micro-panel of B ({@code kc x nr}) stays in L2 beside the
 * streaming A micro-panels, the packed block of A ({@code mc x kc}) in a quarter of L2, and the packed
 * block of B ({@code kc x nc}) in L3's share of one core. The system properties {@code fcnn.cpu.kc},
 * {@code fcnn.cpu.mcPanels} (mc in tile rows) and {@code fcnn.cpu.ncPanels} (nc in tile columns) override
 * the computed values, for tuning.
 *
 * <p>{@code shared} is the most elements of an operand that a threaded product packs whole, once for all its
 * bands ({@link FloatGemm#packA}, {@link FloatGemm#packB}): half of L2, so that the copy stays near the cores
 * that read it. A larger operand is packed block by block by each band, hot in its own core's L2: on an AMD
 * EPYC Zen 4 (1 MiB L2), a float32 1024^3 product on two threads ran 1.78x one thread that way against 1.59x
 * from a shared 4 MiB copy (docs/BENCHMARKS.md, eighth session).
 */
record CacheBlocks(int kc, int mc, int nc, int shared) {
    /** The blocks for {@code elementBytes}-byte elements and an {@code mr x nr} tile on caches {@code caches}. */
    static CacheBlocks of(CacheSizes caches, int elementBytes, int mr, int nr) {
        int kc = Integer.getInteger("fcnn.cpu.kc", kc(caches, elementBytes, nr));
        int mcPanels = Integer.getInteger("fcnn.cpu.mcPanels", mcPanels(caches, elementBytes, mr, kc));
        int ncPanels = Integer.getInteger("fcnn.cpu.ncPanels", ncPanels(caches, elementBytes, nr, kc));
        if (kc < 1 || mcPanels < 1 || ncPanels < 1) {
            throw new IllegalArgumentException("cache blocks must be positive: fcnn.cpu.kc=" + kc
                    + ", fcnn.cpu.mcPanels=" + mcPanels + ", fcnn.cpu.ncPanels=" + ncPanels);
        }
        return new CacheBlocks(kc, mr * mcPanels, nr * ncPanels, shared(caches, elementBytes));
    }

    /** Elements in half of L2: the largest operand packed once for all bands of a product. */
    static int shared(CacheSizes caches, int elementBytes) {
        return (int) Math.min(Integer.MAX_VALUE, caches.l2() / 2 / elementBytes);
    }

    /** A multiple of 64 between 128 and 512 such that a B micro-panel takes at most a quarter of L2. */
    static int kc(CacheSizes caches, int elementBytes, int nr) {
        long fit = caches.l2() / 4 / ((long) nr * elementBytes);
        return (int) Math.max(128, Math.min(512, fit / 64 * 64));
    }

    /** Tile rows per A block: the block in a quarter of L2, between 4 and 64 tiles. */
    static int mcPanels(CacheSizes caches, int elementBytes, int mr, int kc) {
        long fit = caches.l2() / 4 / ((long) mr * kc * elementBytes);
        return (int) Math.max(4, Math.min(64, fit));
    }

    /** Tile columns per B block: the block in half of L3's share of a core, between 8 and 64 tiles. */
    static int ncPanels(CacheSizes caches, int elementBytes, int nr, int kc) {
        long fit = caches.l3PerCore() / 2 / ((long) nr * kc * elementBytes);
        return (int) Math.max(8, Math.min(64, fit));
    }

    /** E.g. {@code KC 512 MC 144 NC 2048}. */
    @Override
    public String toString() {
        return "KC " + kc + " MC " + mc + " NC " + nc;
    }
}
