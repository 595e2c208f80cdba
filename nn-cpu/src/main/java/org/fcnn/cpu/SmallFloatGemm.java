package org.fcnn.cpu;

/**
 * The float32 product for tiny matrices (the tutorial's 2 x 2 layers): straight loops over the
 * definition, no packing, no threads, nothing to set up, so a call costs little more than its arithmetic.
 */
final class SmallFloatGemm implements FloatGemm {
    @Override
    public int rowAlign() {
        return 1;
    }

    @Override
    public int colAlign() {
        return 1;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc, Scratch scratch) {
        int si = transA ? 1 : lda;
        int sp = transA ? lda : 1;
        int tp = transB ? 1 : ldb;
        int tj = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            int ai = aOff + i * si;
            for (int j = 0; j < n; j++) {
                int bj = bOff + j * tj;
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[ai + p * sp] * b[bj + p * tp];
                }
                c[ci + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[ci + j];
            }
        }
    }
}
