// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * Per-thread working arrays for packing matrix blocks, grown on first use and then reused, so that a
 * steady training loop allocates nothing. Slots are numbered by the kernel that uses them: 0-2 the blocked
 * products, 3 the runners (a narrow product computed transposed), 4 and 5 the runners' A or B packed whole for all
 * bands of a product (in the calling thread's scratch, read by every thread of the product).
 */
final class Scratch {
    private final float[][] floats = new float[6][];
    private final double[][] doubles = new double[6][];
    private float[][] floatRows = new float[0][];
    private double[][] doubleRows = new double[0][];

    /** Slot {@code slot} as a {@code float[]} of at least {@code size} elements (contents undefined). */
    float[] floats(int slot, int size) {
        float[] x = floats[slot];
        if (x == null || x.length < size) {
            floats[slot] = x = new float[size];
        }
        return x;
    }

    /** {@code rows} arrays of at least {@code cols} elements each (contents undefined). */
    float[][] floatRows(int rows, int cols) {
        if (floatRows.length < rows || floatRows[0].length < cols) {
            // grow both ways, so that calls with alternating shapes do not allocate again and again
            floatRows = new float[Math.max(rows, floatRows.length)][Math.max(cols, floatRows.length == 0 ? 0 : floatRows[0].length)];
        }
        return floatRows;
    }

    /** {@code rows} arrays of at least {@code cols} elements each (contents undefined). */
    double[][] doubleRows(int rows, int cols) {
        if (doubleRows.length < rows || doubleRows[0].length < cols) {
            // grow both ways, so that calls with alternating shapes do not allocate again and again
            doubleRows = new double[Math.max(rows, doubleRows.length)][Math.max(cols, doubleRows.length == 0 ? 0 : doubleRows[0].length)];
        }
        return doubleRows;
    }

    /** Slot {@code slot} as a {@code double[]} of at least {@code size} elements (contents undefined). */
    double[] doubles(int slot, int size) {
        double[] x = doubles[slot];
        if (x == null || x.length < size) {
            doubles[slot] = x = new double[size];
        }
        return x;
    }
}
