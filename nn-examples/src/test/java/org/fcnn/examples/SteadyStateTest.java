// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench warm-up's stopping rule, and the machine description on RESULT lines. */
class SteadyStateTest {
    @Test
    void warmUpRunsUntilTheFiguresSettle() {
        // A JIT-like sequence: slow first rounds, then steady within 1%.
        double[] figures = {1700, 900, 600, 400, 340, 336, 338, 335, 337, 336, 339};
        int[] next = {0};
        SteadyState.Result r = new SteadyState(5, 0.03, 0, 10_000_000_000L)
                .warmUp(() -> figures[Math.min(next[0]++, figures.length - 1)]);
        assertTrue(r.settled());
        assertEquals(9, r.rounds(), "the first window of five within 3% of its median is rounds 5-9");
        assertEquals(337, r.lastMedian(), 1e-9);
        assertEquals("warm-up 9 rounds", r.describe());
    }

    @Test
    void aFigureThatNeverSettlesStopsAtTheTimeLimit() {
        int[] next = {0};
        SteadyState.Result r = new SteadyState(3, 0.01, 0, 50_000_000L)
                .warmUp(() -> (next[0]++ % 2 == 0) ? 100 : 200);
        assertFalse(r.settled());
        assertTrue(r.describe().endsWith("NOT settled"), r.describe());
    }

    @Test
    void settledNeedsEveryFigureNearTheMedian() {
        assertTrue(SteadyState.settled(new double[] {100, 102, 98}, 0.03));
        assertFalse(SteadyState.settled(new double[] {100, 102, 90}, 0.03));
        assertFalse(SteadyState.settled(new double[] {Double.NaN, 1, 1}, 0.03));
        assertThrows(IllegalArgumentException.class, () -> new SteadyState(1, 0.03, 0, 1));
    }

    @Test
    void machineInfoNamesModelFamilyAndVectorSet() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25",
                "model\t\t: 1", "model name\t: AMD EPYC 7B13", "flags\t\t: fpu sse2 fma avx2 bmi2");
        assertTrue(MachineInfo.cpu(cpuinfo).startsWith("AMD EPYC 7B13 (family 25, model 1), AVX2+FMA"),
                MachineInfo.cpu(cpuinfo));
        List<String> avx512 = List.of("model name\t: AMD EPYC", "flags\t\t: fma avx2 avx512f avx512bw");
        assertTrue(MachineInfo.cpu(avx512).endsWith(", AVX-512"), MachineInfo.cpu(avx512));
    }

    @Test
    void machineInfoTakesTheKernelsFromTheDeviceDescription() {
        String device = "Java 17 on amd64, 2 cores, Vector API 256-bit kernels (6x2 tile; float32 KC 512, MC 126, "
                + "NC 1024, float64 KC 512, MC 60, NC 512; L1d 32 KiB, L2 1024 KiB, L3 16384 KiB per core), 1 thread";
        assertEquals("Vector API 256-bit kernels, 6x2 tile", MachineInfo.kernels(device));
        assertEquals("Vector API 512-bit kernels, 6x4 tile, forced",
                MachineInfo.kernels("x, Vector API 512-bit kernels (6x4 tile, forced; float32 KC 512)"));
        assertEquals("pthread-skylake-avx512-AMD EPYC [0:0] (PoCL)",
                MachineInfo.kernels("pthread-skylake-avx512-AMD EPYC [0:0] (PoCL); OpenCL devices found"));
    }
}
