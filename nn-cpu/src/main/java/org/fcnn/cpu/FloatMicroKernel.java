// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * A register-blocked float32 micro-kernel of {@link VectorFloatGemm}: it multiplies a packed panel of A
 * ({@code rows() x kc}, element (r, p) at {@code aOff + p * rows() + r}) by a packed panel of B
 * ({@code kc x columns()}, element (p, j) at {@code bOff + p * columns() + j}) into a full tile of C
 * ({@code rows() x columns()} at {@code c[cOff]}, row stride {@code ldc}). One implementation per
 * {@link KernelShape} tile; arguments are trusted.
 */
interface FloatMicroKernel {
    /** Rows of the tile (MR). */
    int rows();

    /** Columns of the tile (NR), a multiple of the vector length. */
    int columns();

    /** {@code C tile = Ap panel * Bp panel}. */
    void set(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc);

    /** {@code C tile += Ap panel * Bp panel}. */
    void add(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc);

    /** {@code C tile = A rows * Bp panel}: A unpacked, its (r, p) at {@code a[aOff + r * lda + p]}, {@code MR} rows. */
    void setRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc);

    /** {@code C tile += A rows * Bp panel}: A unpacked, as in {@link #setRows}. */
    void addRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc);
}
