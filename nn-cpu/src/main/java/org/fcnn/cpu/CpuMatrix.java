// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/** A matrix on the Java heap: a row-major {@code double[]} (float64) or {@code float[]} (float32). */
final class CpuMatrix extends Matrix {
    double[] d;
    float[] f;
    /**
     * For a {@linkplain org.fcnn.spi.Backend#freeze frozen} float32 matrix large enough to stream from L2 (the
     * weights a {@link org.fcnn.api.Predictor} reads for one sample), a second copy whose rows start on cache
     * lines, set once by {@link CpuBackend#doFreeze} before the matrix is shared; else {@code null}. Measured
     * on an Intel Xeon (family 6 model 207, AVX-512), the dot products of one sample with a 256 x 784 W took
     * about 10 us from an aligned copy against 16-19 us from an array at a chance phase, where every 512-bit
     * load straddles two cache lines.
     */
    AlignedRows aligned;

    /**
     * A read-only copy of a {@code [rows x cols]} float32 matrix: row {@code j} at {@code data[offset + j * stride]},
     * {@code offset} and {@code stride} multiples of the cache line.
     */
    record AlignedRows(float[] data, int offset, int stride) {
        /** Elements of the smallest matrix that gets a copy: 64 KiB, more than a core's L1 holds. */
        static final int MIN_ELEMENTS = 16 * 1024;
        /** The copy may take at most this many times the matrix's memory (it is padded to half a G1 region). */
        static final int MAX_WASTE = 4;

        /** The aligned copy of {@code values [rows x cols]}, or {@code null} where the JVM's heap cannot give one. */
        static AlignedRows of(float[] values, int rows, int cols) {
            int line = ArrayAlignment.CACHE_LINE / Float.BYTES;
            int stride = (cols + line - 1) / line * line;
            int offset = ArrayAlignment.alignedStart(Float.BYTES);
            long length = offset + (long) rows * stride;
            if (length > Integer.MAX_VALUE - 16) {
                return null;
            }
            float[] data = ArrayAlignment.regionStartFloats((int) length, MAX_WASTE);
            if (data == null) {
                return null;
            }
            for (int j = 0; j < rows; j++) {
                System.arraycopy(values, j * cols, data, offset + j * stride, cols);
            }
            return new AlignedRows(data, offset, stride);
        }
    }

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

    /** {@code count} elements from {@code src[srcOff...]} into this matrix's elements from {@code dstOff} on. */
    void copyIn(float[] src, int srcOff, int dstOff, int count) {
        if (d != null) {
            for (int i = 0; i < count; i++) {
                d[dstOff + i] = src[srcOff + i];
            }
        } else {
            System.arraycopy(src, srcOff, f, dstOff, count);
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
