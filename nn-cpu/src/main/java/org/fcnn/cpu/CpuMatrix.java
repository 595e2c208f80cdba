// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/** A matrix on the Java heap: a row-major {@code double[]} (float64) or {@code float[]} (float32). */
final class CpuMatrix extends Matrix {
    double[] d;
    float[] f;

    CpuMatrix(Backend backend, int rows, int cols, Precision precision) {
        super(backend, rows, cols, precision);
        if (precision == Precision.FLOAT64) {
            d = new double[rows * cols];
        } else {
            f = new float[rows * cols];
        }
    }

    boolean isDouble() {
        return d != null;
    }

    /** The float32 storage of a CPU matrix, or {@code null} for {@code null}. */
    static float[] floats(Matrix m) {
        return m == null ? null : ((CpuMatrix) m).f;
    }

    /** The float64 storage of a CPU matrix, or {@code null} for {@code null}. */
    static double[] doubles(Matrix m) {
        return m == null ? null : ((CpuMatrix) m).d;
    }

    /** The first {@code count} elements from {@code src[offset...]}, rounded to float in a float32 matrix. */
    void copyIn(double[] src, int offset, int count) {
        if (d != null) {
            System.arraycopy(src, offset, d, 0, count);
        } else {
            for (int i = 0; i < count; i++) {
                f[i] = (float) src[offset + i];
            }
        }
    }

    /** The first {@code count} elements from {@code src[offset...]}. */
    void copyIn(float[] src, int offset, int count) {
        if (d != null) {
            for (int i = 0; i < count; i++) {
                d[i] = src[offset + i];
            }
        } else {
            System.arraycopy(src, offset, f, 0, count);
        }
    }

    /** The first {@code count} elements into {@code dst[offset...]}. */
    void copyOut(double[] dst, int offset, int count) {
        if (d != null) {
            System.arraycopy(d, 0, dst, offset, count);
        } else {
            for (int i = 0; i < count; i++) {
                dst[offset + i] = f[i];
            }
        }
    }

    /** The first {@code count} elements into {@code dst[offset...]}, rounded to float from a float64 matrix. */
    void copyOut(float[] dst, int offset, int count) {
        if (d != null) {
            for (int i = 0; i < count; i++) {
                dst[offset + i] = (float) d[i];
            }
        } else {
            System.arraycopy(f, 0, dst, offset, count);
        }
    }

    @Override
    protected void free() {
        d = null;
        f = null;
    }
}
