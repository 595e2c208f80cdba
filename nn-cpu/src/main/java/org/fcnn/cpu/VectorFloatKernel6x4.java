// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 micro-kernel with a 6 x 4 tile of vectors: 24 accumulators, 4 loads of B and one
 * broadcast of A per step, 29 vector registers in all (see {@link KernelShape}). A comes packed ({@code set},
 * {@code add}) or as rows read in place ({@code setRows}, {@code addRows}: the product skips packing A where few
 * B panels reuse it). The methods call only
 * Vector API methods and have no branch inside, so that C2 compiles them to pure vector code without boxing
 * (see {@link VectorFloatGemm}).
 * Written out by {@code python3 nn-cpu/src/build/micro-kernel.py 6 4}; do not edit.
 */
final class VectorFloatKernel6x4 implements FloatMicroKernel {
    private static final VectorSpecies<Float> S = VectorShapes.floatSpecies();
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 4 * L;

    @Override
    public int rows() {
        return MR;
    }

    @Override
    public int columns() {
        return NR;
    }

    /** {@code C [MR x NR] = Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    @Override
    public void set(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
        FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
        for (int p = 0; p < kc; p++) {
            int ao = aOff + p * MR;
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + 0 * L);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }

    /** {@code C [MR x NR] += Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    @Override
    public void add(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0 + 0 * L), c01 = FloatVector.fromArray(S, c, o0 + 1 * L), c02 = FloatVector.fromArray(S, c, o0 + 2 * L), c03 = FloatVector.fromArray(S, c, o0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1 + 0 * L), c11 = FloatVector.fromArray(S, c, o1 + 1 * L), c12 = FloatVector.fromArray(S, c, o1 + 2 * L), c13 = FloatVector.fromArray(S, c, o1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2 + 0 * L), c21 = FloatVector.fromArray(S, c, o2 + 1 * L), c22 = FloatVector.fromArray(S, c, o2 + 2 * L), c23 = FloatVector.fromArray(S, c, o2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3 + 0 * L), c31 = FloatVector.fromArray(S, c, o3 + 1 * L), c32 = FloatVector.fromArray(S, c, o3 + 2 * L), c33 = FloatVector.fromArray(S, c, o3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4 + 0 * L), c41 = FloatVector.fromArray(S, c, o4 + 1 * L), c42 = FloatVector.fromArray(S, c, o4 + 2 * L), c43 = FloatVector.fromArray(S, c, o4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5 + 0 * L), c51 = FloatVector.fromArray(S, c, o5 + 1 * L), c52 = FloatVector.fromArray(S, c, o5 + 2 * L), c53 = FloatVector.fromArray(S, c, o5 + 3 * L);
        for (int p = 0; p < kc; p++) {
            int ao = aOff + p * MR;
            int bo = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + 0 * L);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }

    /** {@code C [MR x NR] = A rows [MR x kc] * Bp panel [kc x NR]}, A's (r, p) at {@code a[aOff + r * lda + p]}. */
    @Override
    public void setRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        FloatVector c40 = z, c41 = z, c42 = z, c43 = z;
        FloatVector c50 = z, c51 = z, c52 = z, c53 = z;
        int a0o = aOff + 0 * lda;
        int a1o = aOff + 1 * lda;
        int a2o = aOff + 2 * lda;
        int a3o = aOff + 3 * lda;
        int a4o = aOff + 4 * lda;
        int a5o = aOff + 5 * lda;
        for (int p = 0, bo = bOff; p < kc; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + 0 * L);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[a0o + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, a[a1o + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, a[a2o + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, a[a3o + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, a[a4o + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, a[a5o + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }

    /** {@code C [MR x NR] += A rows [MR x kc] * Bp panel [kc x NR]}, A's (r, p) at {@code a[aOff + r * lda + p]}. */
    @Override
    public void addRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc) {
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        FloatVector c00 = FloatVector.fromArray(S, c, o0 + 0 * L), c01 = FloatVector.fromArray(S, c, o0 + 1 * L), c02 = FloatVector.fromArray(S, c, o0 + 2 * L), c03 = FloatVector.fromArray(S, c, o0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, c, o1 + 0 * L), c11 = FloatVector.fromArray(S, c, o1 + 1 * L), c12 = FloatVector.fromArray(S, c, o1 + 2 * L), c13 = FloatVector.fromArray(S, c, o1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, c, o2 + 0 * L), c21 = FloatVector.fromArray(S, c, o2 + 1 * L), c22 = FloatVector.fromArray(S, c, o2 + 2 * L), c23 = FloatVector.fromArray(S, c, o2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, c, o3 + 0 * L), c31 = FloatVector.fromArray(S, c, o3 + 1 * L), c32 = FloatVector.fromArray(S, c, o3 + 2 * L), c33 = FloatVector.fromArray(S, c, o3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, c, o4 + 0 * L), c41 = FloatVector.fromArray(S, c, o4 + 1 * L), c42 = FloatVector.fromArray(S, c, o4 + 2 * L), c43 = FloatVector.fromArray(S, c, o4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, c, o5 + 0 * L), c51 = FloatVector.fromArray(S, c, o5 + 1 * L), c52 = FloatVector.fromArray(S, c, o5 + 2 * L), c53 = FloatVector.fromArray(S, c, o5 + 3 * L);
        int a0o = aOff + 0 * lda;
        int a1o = aOff + 1 * lda;
        int a2o = aOff + 2 * lda;
        int a3o = aOff + 3 * lda;
        int a4o = aOff + 4 * lda;
        int a5o = aOff + 5 * lda;
        for (int p = 0, bo = bOff; p < kc; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo + 0 * L);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + 1 * L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bo + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, bp, bo + 3 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[a0o + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, a[a1o + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, a[a2o + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, a[a3o + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, a[a4o + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, a[a5o + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c02.intoArray(c, o0 + 2 * L);
        c03.intoArray(c, o0 + 3 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c12.intoArray(c, o1 + 2 * L);
        c13.intoArray(c, o1 + 3 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c22.intoArray(c, o2 + 2 * L);
        c23.intoArray(c, o2 + 3 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c32.intoArray(c, o3 + 2 * L);
        c33.intoArray(c, o3 + 3 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c42.intoArray(c, o4 + 2 * L);
        c43.intoArray(c, o4 + 3 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
        c52.intoArray(c, o5 + 2 * L);
        c53.intoArray(c, o5 + 3 * L);
    }
}
