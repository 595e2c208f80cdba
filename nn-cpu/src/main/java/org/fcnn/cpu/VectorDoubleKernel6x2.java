// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The double64 micro-kernel with a 6 x 2 tile of vectors: 12 accumulators, 2 loads of B and one
 * broadcast of A per step, 15 vector registers in all (see {@link KernelShape}). A comes packed ({@code set},
 * {@code add}) or as rows read in place ({@code setRows}, {@code addRows}: the product skips packing A where few
 * B panels reuse it). The methods call only
 * Vector API methods and have no branch inside, so that C2 compiles them to pure vector code without boxing
 * (see {@link VectorDoubleGemm}).
 * Written out by {@code python3 nn-cpu/src/build/micro-kernel.py 6 2}; do not edit.
 */
final class VectorDoubleKernel6x2 implements DoubleMicroKernel {
    private static final VectorSpecies<Double> S = VectorShapes.doubleSpecies();
    private static final int L = S.length();
    private static final int MR = 6;
    private static final int NR = 2 * L;

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
    public void set(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z;
        DoubleVector c10 = z, c11 = z;
        DoubleVector c20 = z, c21 = z;
        DoubleVector c30 = z, c31 = z;
        DoubleVector c40 = z, c41 = z;
        DoubleVector c50 = z, c51 = z;
        for (int ao = aOff, bo = bOff, end = aOff + kc * MR; ao < end; ao += MR, bo += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            DoubleVector a4 = DoubleVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            DoubleVector a5 = DoubleVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
    }

    /** {@code C [MR x NR] += Ap panel [MR x kc] * Bp panel [kc x NR]}. */
    @Override
    public void add(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z;
        DoubleVector c10 = z, c11 = z;
        DoubleVector c20 = z, c21 = z;
        DoubleVector c30 = z, c31 = z;
        DoubleVector c40 = z, c41 = z;
        DoubleVector c50 = z, c51 = z;
        for (int ao = aOff, bo = bOff, end = aOff + kc * MR; ao < end; ao += MR, bo += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, ap[ao + 0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(S, ap[ao + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(S, ap[ao + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(S, ap[ao + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            DoubleVector a4 = DoubleVector.broadcast(S, ap[ao + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            DoubleVector a5 = DoubleVector.broadcast(S, ap[ao + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.add(DoubleVector.fromArray(S, c, o0 + 0 * L)).intoArray(c, o0 + 0 * L);
        c01.add(DoubleVector.fromArray(S, c, o0 + 1 * L)).intoArray(c, o0 + 1 * L);
        c10.add(DoubleVector.fromArray(S, c, o1 + 0 * L)).intoArray(c, o1 + 0 * L);
        c11.add(DoubleVector.fromArray(S, c, o1 + 1 * L)).intoArray(c, o1 + 1 * L);
        c20.add(DoubleVector.fromArray(S, c, o2 + 0 * L)).intoArray(c, o2 + 0 * L);
        c21.add(DoubleVector.fromArray(S, c, o2 + 1 * L)).intoArray(c, o2 + 1 * L);
        c30.add(DoubleVector.fromArray(S, c, o3 + 0 * L)).intoArray(c, o3 + 0 * L);
        c31.add(DoubleVector.fromArray(S, c, o3 + 1 * L)).intoArray(c, o3 + 1 * L);
        c40.add(DoubleVector.fromArray(S, c, o4 + 0 * L)).intoArray(c, o4 + 0 * L);
        c41.add(DoubleVector.fromArray(S, c, o4 + 1 * L)).intoArray(c, o4 + 1 * L);
        c50.add(DoubleVector.fromArray(S, c, o5 + 0 * L)).intoArray(c, o5 + 0 * L);
        c51.add(DoubleVector.fromArray(S, c, o5 + 1 * L)).intoArray(c, o5 + 1 * L);
    }

    /** {@code C [MR x NR] = A rows [MR x kc] * Bp panel [kc x NR]}, A's (r, p) at {@code a[aOff + r * lda + p]}. */
    @Override
    public void setRows(int kc, double[] a, int aOff, int lda, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z;
        DoubleVector c10 = z, c11 = z;
        DoubleVector c20 = z, c21 = z;
        DoubleVector c30 = z, c31 = z;
        DoubleVector c40 = z, c41 = z;
        DoubleVector c50 = z, c51 = z;
        for (int i = aOff, bo = bOff, end = aOff + kc; i < end; i++, bo += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, a[i]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(S, a[i + 1 * lda]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(S, a[i + 2 * lda]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(S, a[i + 3 * lda]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            DoubleVector a4 = DoubleVector.broadcast(S, a[i + 4 * lda]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            DoubleVector a5 = DoubleVector.broadcast(S, a[i + 5 * lda]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.intoArray(c, o0 + 0 * L);
        c01.intoArray(c, o0 + 1 * L);
        c10.intoArray(c, o1 + 0 * L);
        c11.intoArray(c, o1 + 1 * L);
        c20.intoArray(c, o2 + 0 * L);
        c21.intoArray(c, o2 + 1 * L);
        c30.intoArray(c, o3 + 0 * L);
        c31.intoArray(c, o3 + 1 * L);
        c40.intoArray(c, o4 + 0 * L);
        c41.intoArray(c, o4 + 1 * L);
        c50.intoArray(c, o5 + 0 * L);
        c51.intoArray(c, o5 + 1 * L);
    }

    /** {@code C [MR x NR] += A rows [MR x kc] * Bp panel [kc x NR]}, A's (r, p) at {@code a[aOff + r * lda + p]}. */
    @Override
    public void addRows(int kc, double[] a, int aOff, int lda, double[] bp, int bOff, double[] c, int cOff, int ldc) {
        DoubleVector z = DoubleVector.zero(S);
        DoubleVector c00 = z, c01 = z;
        DoubleVector c10 = z, c11 = z;
        DoubleVector c20 = z, c21 = z;
        DoubleVector c30 = z, c31 = z;
        DoubleVector c40 = z, c41 = z;
        DoubleVector c50 = z, c51 = z;
        for (int i = aOff, bo = bOff, end = aOff + kc; i < end; i++, bo += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bo + 0 * L);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bo + 1 * L);
            DoubleVector a0 = DoubleVector.broadcast(S, a[i]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            DoubleVector a1 = DoubleVector.broadcast(S, a[i + 1 * lda]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            DoubleVector a2 = DoubleVector.broadcast(S, a[i + 2 * lda]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            DoubleVector a3 = DoubleVector.broadcast(S, a[i + 3 * lda]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            DoubleVector a4 = DoubleVector.broadcast(S, a[i + 4 * lda]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            DoubleVector a5 = DoubleVector.broadcast(S, a[i + 5 * lda]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        int o0 = cOff + 0 * ldc;
        int o1 = cOff + 1 * ldc;
        int o2 = cOff + 2 * ldc;
        int o3 = cOff + 3 * ldc;
        int o4 = cOff + 4 * ldc;
        int o5 = cOff + 5 * ldc;
        c00.add(DoubleVector.fromArray(S, c, o0 + 0 * L)).intoArray(c, o0 + 0 * L);
        c01.add(DoubleVector.fromArray(S, c, o0 + 1 * L)).intoArray(c, o0 + 1 * L);
        c10.add(DoubleVector.fromArray(S, c, o1 + 0 * L)).intoArray(c, o1 + 0 * L);
        c11.add(DoubleVector.fromArray(S, c, o1 + 1 * L)).intoArray(c, o1 + 1 * L);
        c20.add(DoubleVector.fromArray(S, c, o2 + 0 * L)).intoArray(c, o2 + 0 * L);
        c21.add(DoubleVector.fromArray(S, c, o2 + 1 * L)).intoArray(c, o2 + 1 * L);
        c30.add(DoubleVector.fromArray(S, c, o3 + 0 * L)).intoArray(c, o3 + 0 * L);
        c31.add(DoubleVector.fromArray(S, c, o3 + 1 * L)).intoArray(c, o3 + 1 * L);
        c40.add(DoubleVector.fromArray(S, c, o4 + 0 * L)).intoArray(c, o4 + 0 * L);
        c41.add(DoubleVector.fromArray(S, c, o4 + 1 * L)).intoArray(c, o4 + 1 * L);
        c50.add(DoubleVector.fromArray(S, c, o5 + 0 * L)).intoArray(c, o5 + 0 * L);
        c51.add(DoubleVector.fromArray(S, c, o5 + 1 * L)).intoArray(c, o5 + 1 * L);
    }
}
