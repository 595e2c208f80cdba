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

    @Override
    protected void free() {
        d = null;
        f = null;
    }
}
