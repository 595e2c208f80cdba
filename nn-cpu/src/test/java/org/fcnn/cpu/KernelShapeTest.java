// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The choice of register tile and cache blocks, and that a forced shape is the one that runs. */
class KernelShapeTest {
    @Test
    void theTileFollowsTheRegisterFile() {
        assertEquals(4, KernelShape.choose(512, "amd64", null, null).vectors(), "AVX-512: 32 registers");
        assertEquals(2, KernelShape.choose(256, "amd64", null, null).vectors(), "AVX2: 16 registers");
        assertEquals(2, KernelShape.choose(128, "amd64", null, null).vectors(), "SSE: 16 registers");
        assertEquals(4, KernelShape.choose(128, "aarch64", null, null).vectors(), "NEON: 32 registers");
        KernelShape avx2 = KernelShape.choose(256, "amd64", null, null);
        assertEquals(6, avx2.rows());
        assertEquals(16, avx2.columns(Float.BYTES));
        assertEquals(8, avx2.columns(Double.BYTES));
        assertFalse(avx2.forced());
    }

    @Test
    void propertiesForceWidthAndTile() {
        KernelShape s = KernelShape.choose(256, "amd64", "512", null);
        assertEquals(512, s.vectorBits());
        assertEquals(2, s.vectors(), "forcing only the width keeps the machine's register file");
        assertTrue(s.forced());
        KernelShape t = KernelShape.choose(512, "amd64", " 256 ", "6X2");
        assertEquals(256, t.vectorBits());
        assertEquals(2, t.vectors());
        assertEquals("6x2 tile of 256-bit vectors (forced)", t.toString());
    }

    @Test
    void badPropertyValuesNameTheProperty() {
        IllegalArgumentException bits = assertThrows(IllegalArgumentException.class,
                () -> KernelShape.choose(256, "amd64", "384", null));
        assertTrue(bits.getMessage().contains(KernelShape.BITS_PROPERTY) && bits.getMessage().contains("384"),
                bits.getMessage());
        IllegalArgumentException tile = assertThrows(IllegalArgumentException.class,
                () -> KernelShape.choose(256, "amd64", null, "8x3"));
        assertTrue(tile.getMessage().contains(KernelShape.TILE_PROPERTY) && tile.getMessage().contains("8x3"),
                tile.getMessage());
    }

    @Test
    void cacheSizesAreReadFromLinuxSysfs(@TempDir Path dir) throws IOException {
        writeIndex(dir, 0, "1", "Data", "48K", "0");
        writeIndex(dir, 1, "1", "Instruction", "32K", "0");
        writeIndex(dir, 2, "2", "Unified", "2048K", "0");
        writeIndex(dir, 3, "3", "Unified", "96M", "0-7");
        CacheSizes c = CacheSizes.read(dir, 16);
        assertEquals(48 << 10, c.l1d());
        assertEquals(2 << 20, c.l2());
        assertEquals((96 << 20) / 8, c.l3PerCore(), "L3 divided by the CPUs that share it");
        assertTrue(c.fromOs());
    }

    @Test
    void missingOrGarbledSysfsFallsBackToDefaults(@TempDir Path dir) throws IOException {
        assertEquals(CacheSizes.DEFAULT, CacheSizes.read(dir.resolve("absent"), 2));
        writeIndex(dir, 0, "1", "Data", "lots", "0");
        CacheSizes c = CacheSizes.read(dir, 2);
        assertEquals(CacheSizes.DEFAULT.l1d(), c.l1d());
        assertEquals(0, CacheSizes.parseSize("12Q"));
        assertEquals(3, CacheSizes.sharers("0-1,4"));
    }

    @Test
    void cacheBlocksFollowTheCaches() {
        // A Zen 3 core: 32 KiB L1d, 512 KiB L2, 16 MiB L3 per 8 cores.
        CacheSizes zen3 = new CacheSizes(32 << 10, 512 << 10, 2 << 20, true);
        CacheBlocks avx2Float = CacheBlocks.of(zen3, Float.BYTES, 6, 16);
        assertEquals(512, avx2Float.kc());
        assertEquals(0, avx2Float.mc() % 6);
        assertEquals(0, avx2Float.nc() % 16);
        assertTrue((long) avx2Float.mc() * avx2Float.kc() * Float.BYTES <= zen3.l2() / 4, avx2Float.toString());
        // An operand packed once for all bands of a threaded product takes at most half of L2.
        assertEquals(64 << 10, avx2Float.shared());
        assertEquals(32 << 10, CacheBlocks.of(zen3, Double.BYTES, 6, 8).shared());
        // A small L2 shrinks KC so that a B micro-panel still fits a quarter of it.
        CacheSizes smallL2 = new CacheSizes(32 << 10, 256 << 10, 1 << 20, true);
        CacheBlocks avx512Float = CacheBlocks.of(smallL2, Float.BYTES, 6, 64);
        assertEquals(256, avx512Float.kc());
        assertTrue((long) avx512Float.kc() * 64 * Float.BYTES <= smallL2.l2() / 4);
    }

    /** In a surefire run that forces a shape ({@code fcnn.test.shape=BITS:TILE}), that shape is what runs. */
    @Test
    void theForcedShapeIsTheOneThatRuns() {
        String expected = System.getProperty("fcnn.test.shape");
        assumeTrue(expected != null && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "no shape forced in this run");
        String[] parts = expected.split(":");
        String description = CpuKernels.get().description();
        assertTrue(description.startsWith("Vector API " + parts[0] + "-bit kernels (" + parts[1] + " tile, forced"),
                description);
        assertEquals(Integer.parseInt(parts[0]), VectorShapes.floatSpecies().vectorBitSize());
    }

    private static void writeIndex(Path dir, int i, String level, String type, String size, String shared)
            throws IOException {
        Path index = Files.createDirectories(dir.resolve("index" + i));
        Files.writeString(index.resolve("level"), level + "\n");
        Files.writeString(index.resolve("type"), type + "\n");
        Files.writeString(index.resolve("size"), size + "\n");
        Files.writeString(index.resolve("shared_cpu_list"), shared + "\n");
    }
}
