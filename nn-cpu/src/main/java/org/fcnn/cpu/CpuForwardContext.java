// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Activation;
import org.fcnn.spi.ForwardContext;
import org.fcnn.spi.Matrix;

/**
 * The CPU backend's {@link ForwardContext}: product runners of its own ({@link FloatGemmRunner},
 * {@link DoubleGemmRunner}) on one thread, the caller's, with one {@link Scratch} of its own, so that any
 * number of contexts run forward passes at once on weights they share, beside the backend's own calls. The
 * kernels ({@link CpuKernels}, {@link FloatLayers}, {@link DoubleLayers}) keep no state of their own, and a
 * product's bands are computed in the same order on one thread as on several, so a context gives the same
 * bits as the backend. Its scratch grows to the largest product it has run (a packed block of each operand,
 * at most a few hundred KiB each with the cache blocks the OS's caches give) and is then reused.
 */
final class CpuForwardContext extends ForwardContext {
    private final CpuKernels kernels;
    private final FloatGemmRunner floatGemm;
    private final DoubleGemmRunner doubleGemm;

    CpuForwardContext(CpuBackend backend, CpuKernels kernels) {
        super(backend);
        this.kernels = kernels;
        Scratch[] scratch = {new Scratch()};
        CpuThreads one = new CpuThreads(1);
        this.floatGemm = new FloatGemmRunner(kernels.floatGemm(), scratch, one);
        this.doubleGemm = new DoubleGemmRunner(kernels.doubleGemm(), scratch, one);
    }

    @Override
    protected void doWrite(Matrix dst, int rows, float[] src, int offset) {
        ((CpuMatrix) dst).copyIn(src, offset, rows * dst.cols());
    }

    @Override
    protected void doWrite(Matrix dst, int rows, double[] src, int offset) {
        ((CpuMatrix) dst).copyIn(src, offset, rows * dst.cols());
    }

    @Override
    protected void doRead(Matrix src, int rows, float[] dst, int offset) {
        ((CpuMatrix) src).copyOut(dst, offset, rows * src.cols());
    }

    @Override
    protected void doRead(Matrix src, int rows, double[] dst, int offset) {
        ((CpuMatrix) src).copyOut(dst, offset, rows * src.cols());
    }

    @Override
    protected void doDenseForward(int rows, Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        if (((CpuMatrix) a).isDouble()) {
            DoubleLayers.forward(doubleGemm, kernels, CpuMatrix.doubles(x), CpuMatrix.doubles(w),
                    CpuMatrix.doubles(bias), f, CpuMatrix.doubles(a), rows, x.cols(), w.rows());
        } else {
            CpuBackend.denseForward(floatGemm, kernels, rows, (CpuMatrix) x, (CpuMatrix) w, (CpuMatrix) bias, f,
                    (CpuMatrix) a);
        }
    }
}
