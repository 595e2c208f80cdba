// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.DenseStack;
import org.fcnn.spi.ForwardContext;
import org.fcnn.spi.Matrix;

/**
 * The CPU backend: matrices on the Java heap, float64 and float32. Matrix products go through
 * {@link FloatGemmRunner} / {@link DoubleGemmRunner} with the kernels {@link CpuKernels} chose for this JVM,
 * on {@link CpuThreads#count()} threads; the element-wise kernels are {@link DoubleKernels} or
 * {@link FloatKernels} by the matrices' precision, on the calling thread. The backend itself serves one
 * thread at a time (its product runners hold the current product); its {@link ForwardContext}s
 * ({@link CpuForwardContext}) run forward passes on other threads at the same time.
 */
public final class CpuBackend extends Backend {
    private final CpuKernels kernels;
    private final CpuThreads threads;
    private final FloatGemmRunner floatGemm;
    private final DoubleGemmRunner doubleGemm;
    private final RowWriter rowWriter;
    /** The compiled step of the stack {@link #doSgdStep} last ran, with that stack and loss. */
    private CompiledSteps.Step compiled;
    private DenseStack compiledFor;
    private Loss compiledLoss;

    /** A backend with the kernels chosen for this JVM and the thread count of {@code fcnn.cpu.threads}. */
    public CpuBackend() {
        this(CpuKernels.get(), CpuThreads.fromProperty());
    }

    CpuBackend(CpuKernels kernels, CpuThreads threads) {
        this.kernels = kernels;
        this.threads = threads;
        Scratch[] scratch = new Scratch[threads.count()];
        for (int i = 0; i < scratch.length; i++) {
            scratch[i] = new Scratch();
        }
        this.floatGemm = new FloatGemmRunner(kernels.floatGemm(), scratch, threads);
        this.doubleGemm = new DoubleGemmRunner(kernels.doubleGemm(), scratch, threads);
        this.rowWriter = new RowWriter(threads);
    }

    @Override
    public String name() {
        return CpuBackendProvider.NAME;
    }

    @Override
    public String device() {
        return CpuBackendProvider.describeDevice(kernels, threads.count());
    }

    @Override
    public boolean supports(Precision precision) {
        return true;
    }

    @Override
    protected Matrix doAllocate(int rows, int cols, Precision precision) {
        return new CpuMatrix(this, rows, cols, precision);
    }

    private static CpuMatrix cpu(Matrix m) {
        return (CpuMatrix) m;
    }

    @Override
    protected void doWrite(Matrix dst, double[] src, int offset) {
        cpu(dst).copyIn(src, offset, dst.size());
    }

    @Override
    protected void doWrite(Matrix dst, float[] src, int offset) {
        cpu(dst).copyIn(src, offset, dst.size());
    }

    /** Straight into the matrix, each row checked before it is copied, on the pool's threads for a large batch ({@link RowWriter}). */
    @Override
    protected void doWriteRows(Matrix dst, float[] table, int[] order, int start) {
        rowWriter.write(cpu(dst), table, order, start);
    }

    /** {@link Backend}'s finite check, for {@link RowWriter}. */
    static boolean allFiniteRow(float[] x, int offset, int n) {
        return allFinite(x, offset, n);
    }

    /** {@link Backend}'s exception for a row that is not finite, for {@link RowWriter}. */
    static IllegalArgumentException notFiniteRowOf(Matrix dst, float[] table, int r, int cols) {
        return notFiniteRow(dst, table, r, cols);
    }

    @Override
    protected void doRead(Matrix src, double[] dst, int offset) {
        cpu(src).copyOut(dst, offset, src.size());
    }

    @Override
    protected void doRead(Matrix src, float[] dst, int offset) {
        cpu(src).copyOut(dst, offset, src.size());
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        CpuMatrix s = cpu(src);
        CpuMatrix d = cpu(dst);
        if (s.isDouble()) {
            System.arraycopy(s.d, 0, d.d, 0, s.size());
        } else {
            System.arraycopy(s.f, 0, d.f, 0, s.size());
        }
    }

    @Override
    protected void doFill(Matrix m, double value) {
        CpuMatrix c = cpu(m);
        if (c.isDouble()) {
            java.util.Arrays.fill(c.d, value);
        } else {
            java.util.Arrays.fill(c.f, (float) value);
        }
    }

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Matrix a, Matrix b,
                          double beta, Matrix c) {
        CpuMatrix ca = cpu(a);
        CpuMatrix cb = cpu(b);
        CpuMatrix cc = cpu(c);
        if (cc.isDouble()) {
            doubleGemm.gemm(transA, transB, m, n, k, alpha, ca.d, a.cols(), cb.d, b.cols(), beta, cc.d);
        } else {
            floatGemm.gemm(transA, transB, m, n, k, (float) alpha, ca.f, a.cols(), cb.f, b.cols(), (float) beta, cc.f);
        }
    }

    @Override
    protected void doAddRowVector(Matrix z, Matrix bias) {
        CpuMatrix cz = cpu(z);
        if (cz.isDouble()) {
            DoubleKernels.addRowVector(cz.d, z.rows(), z.cols(), cpu(bias).d);
        } else {
            FloatKernels.addRowVector(cz.f, z.rows(), z.cols(), cpu(bias).f);
        }
    }

    @Override
    protected void doColumnSums(Matrix a, Matrix out) {
        CpuMatrix ca = cpu(a);
        if (ca.isDouble()) {
            DoubleKernels.columnSums(ca.d, a.rows(), a.cols(), cpu(out).d);
        } else {
            FloatKernels.columnSums(ca.f, a.rows(), a.cols(), cpu(out).f);
        }
    }

    @Override
    protected void doActivate(Activation f, Matrix z, Matrix a) {
        if (cpu(z).isDouble()) {
            DoubleKernels.activate(f, doubles(z), doubles(a), z.rows(), z.cols());
        } else {
            FloatKernels.activate(f, floats(z), floats(a), z.rows(), z.cols());
        }
    }

    @Override
    protected void doActivationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ) {
        if (cpu(a).isDouble()) {
            DoubleKernels.activationGradient(f, doubles(a), doubles(dA), doubles(dZ), a.rows(), a.cols());
        } else {
            FloatKernels.activationGradient(f, floats(a), floats(dA), floats(dZ), a.rows(), a.cols());
        }
    }

    @Override
    protected double doLoss(Loss loss, Matrix output, Matrix target) {
        CpuMatrix o = cpu(output);
        CpuMatrix t = cpu(target);
        boolean squared = loss == Loss.SQUARED_ERROR;
        if (o.isDouble()) {
            return squared ? DoubleKernels.squaredError(o.d, t.d, output.rows(), output.size())
                    : DoubleKernels.crossEntropy(o.d, t.d, output.rows(), output.size());
        }
        return squared ? FloatKernels.squaredError(o.f, t.f, output.rows(), output.size())
                : FloatKernels.crossEntropy(o.f, t.f, output.rows(), output.size());
    }

    @Override
    protected void doLossGradient(Loss loss, Matrix output, Matrix target, Matrix grad) {
        // Both losses' gradients are (O - T) / n: w.r.t. O for squared error, w.r.t. the logits for softmax CE.
        CpuMatrix o = cpu(output);
        if (o.isDouble()) {
            DoubleKernels.difference(o.d, cpu(target).d, cpu(grad).d, output.rows(), output.size());
        } else {
            FloatKernels.difference(o.f, cpu(target).f, cpu(grad).f, output.rows(), output.size());
        }
    }

    @Override
    protected void doDropout(Matrix a, Matrix mask, Matrix out, int threshold, double scale, int seed) {
        CpuMatrix ca = cpu(a);
        if (ca.isDouble()) {
            DoubleKernels.dropout(ca.d, cpu(mask).d, cpu(out).d, a.size(), threshold, scale, seed);
        } else {
            FloatKernels.dropout(ca.f, cpu(mask).f, cpu(out).f, a.size(), threshold, (float) scale, seed);
        }
    }

    @Override
    protected void doMultiply(Matrix a, Matrix b, Matrix out) {
        CpuMatrix ca = cpu(a);
        if (ca.isDouble()) {
            DoubleKernels.multiply(ca.d, cpu(b).d, cpu(out).d, a.size());
        } else {
            FloatKernels.multiply(ca.f, cpu(b).f, cpu(out).f, a.size());
        }
    }

    // ------------------------------------------------------------------ a dense layer's passes, fused (FloatLayers / DoubleLayers)

    private static float[] floats(Matrix m) {
        return CpuMatrix.floats(m);
    }

    private static double[] doubles(Matrix m) {
        return CpuMatrix.doubles(m);
    }

    // ------------------------------------------------------------------ a whole training step

    /**
     * Tiny stacks (every layer at most {@link CpuThreads#SMALL_WORK} multiply-adds) in one call: a step
     * compiled for the stack's sizes ({@link CompiledSteps}) where one can be made, else the generic fused
     * step; others as composed. The last stack's compiled step is kept, so a training loop binds it once.
     */
    @Override
    protected double doSgdStep(DenseStack s, Loss loss, double lr, double weightDecay) {
        if (s == compiledFor && loss == compiledLoss) {
            return compiled.run(lr, weightDecay);
        }
        if (!FloatLayers.tiny(s)) {
            return super.doSgdStep(s, loss, lr, weightDecay);
        }
        CompiledSteps.Step step = CompiledSteps.bind(s, loss);
        if (step != null) {
            compiled = step;
            compiledFor = s;
            compiledLoss = loss;
            return step.run(lr, weightDecay);
        }
        if (s.precision() == Precision.FLOAT64) {
            return DoubleLayers.sgdStep(doubleGemm, kernels, s, loss, lr, weightDecay);
        }
        return FloatLayers.sgdStep(floatGemm, kernels, s, loss, (float) lr, (float) weightDecay);
    }

    @Override
    protected void doDenseForward(Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        if (cpu(a).isDouble()) {
            DoubleLayers.forward(doubleGemm, kernels, doubles(x), doubles(w), doubles(bias), f, doubles(a), x.rows(), x.cols(),
                    w.rows());
        } else {
            denseForward(floatGemm, kernels, x.rows(), cpu(x), cpu(w), cpu(bias), f, cpu(a));
        }
    }

    /**
     * A float32 dense layer's forward pass on the first {@code rows} rows, from {@code w}'s
     * {@link CpuMatrix#aligned} copy where it has one and the product runs as dot products straight from W (a
     * few rows), else from {@code w} itself: the same bits either way. Used by the backend and its contexts.
     */
    static void denseForward(FloatGemmRunner gemm, CpuKernels kernels, int rows, CpuMatrix x, CpuMatrix w, CpuMatrix bias,
                             Activation f, CpuMatrix a) {
        int in = x.cols();
        int out = w.rows();
        CpuMatrix.AlignedRows aligned = w.aligned;
        if (aligned != null && gemm.dotsFor(false, true, rows, in)) {
            FloatLayers.forward(gemm, kernels, x.f, aligned.data(), aligned.offset(), aligned.stride(), floats(bias), f,
                    a.f, rows, in, out);
        } else {
            FloatLayers.forward(gemm, kernels, x.f, w.f, floats(bias), f, a.f, rows, in, out);
        }
    }

    /** A large float32 matrix gets a copy whose rows start on cache lines ({@link CpuMatrix#aligned}). */
    @Override
    protected void doFreeze(Matrix m) {
        CpuMatrix c = cpu(m);
        if (!c.isDouble() && c.size() >= CpuMatrix.AlignedRows.MIN_ELEMENTS
                && kernels.floatGemm().dotsFor(false, true, 1, c.cols())) {
            c.aligned = CpuMatrix.AlignedRows.of(c.f, c.rows(), c.cols());
        }
    }

    @Override
    protected void doOutputDelta(Loss loss, Activation f, Matrix output, Matrix target, Matrix delta) {
        if (cpu(output).isDouble()) {
            DoubleLayers.outputDelta(loss, f, doubles(output), doubles(target), doubles(delta), output.rows(),
                    output.size());
        } else {
            FloatLayers.outputDelta(loss, f, floats(output), floats(target), floats(delta), output.rows(),
                    output.size());
        }
    }

    @Override
    protected void doDenseGradients(Matrix delta, Matrix x, Matrix weightGrad, Matrix biasGrad) {
        if (cpu(delta).isDouble()) {
            DoubleLayers.gradients(doubleGemm, doubles(delta), doubles(x), doubles(weightGrad), doubles(biasGrad),
                    x.rows(), x.cols(), delta.cols());
        } else {
            FloatLayers.gradients(floatGemm, floats(delta), floats(x), floats(weightGrad), floats(biasGrad),
                    x.rows(), x.cols(), delta.cols());
        }
    }

    @Override
    protected void doBackpropagate(Matrix delta, Matrix w, Matrix mask, Activation f, Matrix below,
                                   Matrix deltaBelow) {
        if (cpu(delta).isDouble()) {
            DoubleLayers.backpropagate(doubleGemm, doubles(delta), doubles(w), doubles(mask), f, doubles(below),
                    doubles(deltaBelow), below.rows(), below.cols(), delta.cols());
        } else {
            FloatLayers.backpropagate(floatGemm, floats(delta), floats(w), floats(mask), f, floats(below),
                    floats(deltaBelow), below.rows(), below.cols(), delta.cols());
        }
    }

    // ------------------------------------------------------------------ parameter updates

    @Override
    protected void doSgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay) {
        CpuMatrix p = cpu(param);
        if (p.isDouble()) {
            DoubleKernels.sgd(p.d, cpu(grad).d, p.size(), lr, weightDecay);
        } else {
            FloatKernels.sgd(p.f, cpu(grad).f, p.size(), (float) lr, (float) weightDecay);
        }
    }

    @Override
    protected void doMomentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr, double momentum,
                                    double weightDecay) {
        CpuMatrix p = cpu(param);
        if (p.isDouble()) {
            DoubleKernels.momentum(p.d, cpu(grad).d, cpu(velocity).d, p.size(), lr, momentum, weightDecay);
        } else {
            FloatKernels.momentum(p.f, cpu(grad).f, cpu(velocity).f, p.size(), (float) lr, (float) momentum,
                    (float) weightDecay);
        }
    }

    @Override
    protected void doAdamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double stepSize, double beta1,
                                double beta2, double eps, double correction2, double weightDecay) {
        CpuMatrix p = cpu(param);
        if (p.isDouble()) {
            DoubleKernels.adam(p.d, cpu(grad).d, cpu(m).d, cpu(v).d, p.size(), stepSize, beta1, beta2, eps,
                    correction2, weightDecay);
        } else {
            FloatKernels.adam(p.f, cpu(grad).f, cpu(m).f, cpu(v).f, p.size(), (float) stepSize, (float) beta1,
                    (float) beta2, (float) eps, (float) correction2, (float) weightDecay);
        }
    }

    /** A context with its own single-threaded product runners and scratch memory ({@link CpuForwardContext}). */
    @Override
    protected ForwardContext doForwardContext() {
        return new CpuForwardContext(this, kernels);
    }

    @Override
    protected void doClose() {
        // Heap memory: nothing native to release.
    }
}
