// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.fcnn.api.Activation;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The aligned copy that {@link CpuBackend#doFreeze} makes of a large float32 matrix: made where it should be,
 * laid out as documented, and the one the forward pass of a few rows reads (a changed element in the copy
 * changes the result, so the bit-for-bit tests of the conformance suite do compare the two copies).
 */
class AlignedRowsTest {
    private static boolean g1() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(b -> b.getName().startsWith("G1"));
    }

    @Test
    void aLargeFrozenFloatMatrixGetsARowAlignedCopyThatTheForwardPassReads() {
        Assumptions.assumeTrue(CpuKernels.get().description().startsWith("Vector API"), "needs the Vector API kernels");
        Assumptions.assumeTrue(g1(), "the aligned copy needs G1's region-aligned large arrays");
        int out = 300;
        int in = 790;
        SplittableRandom r = new SplittableRandom(5);
        float[] values = new float[out * in];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (r.nextDouble() - 0.5);
        }
        float[] x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) r.nextDouble();
        }
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(1));
             Matrix w = backend.allocate(out, in, Precision.FLOAT32);
             Matrix small = backend.allocate(10, 300, Precision.FLOAT32);
             Matrix d = backend.allocate(out, in, Precision.FLOAT64);
             Matrix mx = backend.allocate(1, in, Precision.FLOAT32);
             Matrix a = backend.allocate(1, out, Precision.FLOAT32)) {
            backend.write(w, values, 0);
            backend.write(mx, x, 0);
            backend.freeze(w);
            backend.freeze(small);
            backend.freeze(d);
            assertNull(((CpuMatrix) small).aligned, "3,000 elements fit L1: no copy");
            assertNull(((CpuMatrix) d).aligned, "float64: no copy");
            CpuMatrix.AlignedRows aligned = ((CpuMatrix) w).aligned;
            assertNotNull(aligned, "300 x 790 float32 on G1");
            assertEquals(800, aligned.stride(), "rows padded to whole cache lines of 16 floats");
            assertEquals(ArrayAlignment.alignedStart(Float.BYTES), aligned.offset());
            for (int j = 0; j < out; j += 37) {
                for (int p = 0; p < in; p += 13) {
                    assertEquals(values[j * in + p], aligned.data()[aligned.offset() + j * aligned.stride() + p], 0,
                            "row " + j + ", column " + p);
                }
            }

            backend.denseForward(mx, w, null, Activation.IDENTITY, a);
            float before = (float) a.toArray()[7];
            aligned.data()[aligned.offset() + 7 * aligned.stride() + 3] += 1; // only the copy changes
            backend.denseForward(mx, w, null, Activation.IDENTITY, a);
            assertNotEquals(before, (float) a.toArray()[7], "the forward pass of one row reads the aligned copy");
        }
    }
}
