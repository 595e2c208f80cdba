// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.util.Locale;

/**
 * The register block of the Vector API product kernels, chosen once per JVM for the machine: the vector
 * width in bits, and the tile of C the micro-kernel keeps in registers, {@code rows} rows by {@code vectors}
 * vectors (so {@code rows x vectors} accumulators, {@code vectors} loads of B and one broadcast of A live at
 * once).
 *
 * <p>The tile follows the register file the width implies, as BLIS and OpenBLAS pick one micro-kernel per
 * architecture:
 * <ul>
 * <li>{@code 6x4} (24 accumulators + 4 + 1 = 29 registers) where there are 32 vector registers: x86 with
 *     AVX-512 (512-bit preferred vectors), and AArch64 (NEON and SVE have 32).</li>
 * <li>{@code 6x2} (12 + 2 + 1 = 15 registers) where there are 16: x86 with AVX2 or SSE only (256- or
 *     128-bit preferred vectors). A 6x4 tile there keeps 29 values in 16 registers and spills on every
 *     step: 1024^3 float32 products ran at 0.41x OpenBLAS on an AVX2 EPYC.</li>
 * </ul>
 *
 * <p>Two system properties force a shape, so that every shape can be tested on any machine (a width the
 * hardware lacks runs correctly but slowly, the JIT then boxing its vectors): {@value #BITS_PROPERTY}
 * ({@code 128}, {@code 256} or {@code 512}) and {@value #TILE_PROPERTY} ({@code 6x4} or {@code 6x2}).
 * Forcing only the width picks the tile for that width as above.
 */
final class KernelShape {
    /** System property: the vector width in bits ({@code 128}, {@code 256}, {@code 512}); default the JVM's preferred. */
    static final String BITS_PROPERTY = "fcnn.cpu.vectorBits";
    /** System property: the register tile, {@code ROWSxVECTORS} ({@code 6x4} or {@code 6x2}); default by register file. */
    static final String TILE_PROPERTY = "fcnn.cpu.kernel";

    private final int vectorBits;
    private final int rows;
    private final int vectors;
    private final boolean forced;

    KernelShape(int vectorBits, int rows, int vectors, boolean forced) {
        this.vectorBits = vectorBits;
        this.rows = rows;
        this.vectors = vectors;
        this.forced = forced;
    }

    /**
     * The shape for a JVM whose preferred vectors are {@code preferredBits} wide on {@code arch}
     * ({@code os.arch}), with the two properties' values ({@code null} when unset).
     *
     * @throws IllegalArgumentException naming the property when a value is not one of those listed
     */
    static KernelShape choose(int preferredBits, String arch, String bitsValue, String tileValue) {
        int bits = preferredBits;
        if (bitsValue != null && !bitsValue.isBlank()) {
            bits = switch (bitsValue.trim()) {
                case "128" -> 128;
                case "256" -> 256;
                case "512" -> 512;
                default -> throw new IllegalArgumentException("system property " + BITS_PROPERTY + "='" + bitsValue
                        + "' is not a vector width: use 128, 256 or 512");
            };
        }
        int registers = registers(preferredBits, arch);
        int rows = 6;
        int vectors = registers >= 32 ? 4 : 2;
        if (tileValue != null && !tileValue.isBlank()) {
            switch (tileValue.trim().toLowerCase(Locale.ROOT)) {
                case "6x4" -> vectors = 4;
                case "6x2" -> vectors = 2;
                default -> throw new IllegalArgumentException("system property " + TILE_PROPERTY + "='" + tileValue
                        + "' is not a kernel tile: use 6x4 (for 32 vector registers) or 6x2 (for 16)");
            }
        }
        boolean forced = (bitsValue != null && !bitsValue.isBlank()) || (tileValue != null && !tileValue.isBlank());
        return new KernelShape(bits, rows, vectors, forced);
    }

    /** The vector registers a JVM preferring {@code preferredBits}-bit vectors on {@code arch} has. */
    static int registers(int preferredBits, String arch) {
        String a = arch == null ? "" : arch.toLowerCase(Locale.ROOT);
        if (a.contains("aarch64") || a.contains("arm64")) {
            return 32;
        }
        return preferredBits >= 512 ? 32 : 16;
    }

    /** The vector width in bits. */
    int vectorBits() {
        return vectorBits;
    }

    /** Rows of C in the register tile (MR). */
    int rows() {
        return rows;
    }

    /** Vectors per row of the register tile. */
    int vectors() {
        return vectors;
    }

    /** Columns of C in the register tile (NR) for elements of {@code elementBytes} bytes. */
    int columns(int elementBytes) {
        return vectors * vectorBits / 8 / elementBytes;
    }

    /** Whether a system property chose this shape. */
    boolean forced() {
        return forced;
    }

    /** E.g. {@code 6x2 tile of 256-bit vectors}, with {@code (forced)} when a property chose it. */
    @Override
    public String toString() {
        return rows + "x" + vectors + " tile of " + vectorBits + "-bit vectors" + (forced ? " (forced)" : "");
    }
}
