// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import static org.fcnn.spi.device.Geometry.LOSS_GROUPS;
import static org.fcnn.spi.device.Geometry.ROW_LANES;

import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * A backend whose kernels are those of {@code nn_kernels.body}: every kernel operation of {@link Backend} is
 * implemented here once, as calls of the body's {@link Kernel}s, and a device backend (OpenCL, CUDA) implements
 * memory ({@code doAllocate}, {@code doCopy}, and {@link #upload}/{@link #download} in the matrix's own
 * precision; the conversion between float and double arrays is done here), {@code doClose}, and two methods
 * below: {@link #launch} runs one composed {@link KernelCall}, {@link #readLossPartials} reads back the loss's
 * partial sums.
 *
 * <p>Every call is checked in Java before it reaches {@link #launch}: the sizes of the operands again (so a
 * native call never sees a size that does not fit, whatever the caller), each buffer's precision, and the
 * arguments against {@link Kernel#parameters()}. {@link #launch} receives only calls whose matrices belong to
 * this backend and were open when {@link Backend} checked them; it maps a buffer that is freed, and every
 * device error, to an exception naming the kernel, the shapes ({@link KernelCall#describe()}) and the device.
 *
 * <p>Call order within one operation: kernels are launched in the order written here, and a backend runs them
 * in that order (an in-order queue, the default stream); {@link #doLoss} reads the partial sums right after
 * its one launch. Copies ({@link Activation#IDENTITY}) go through {@link #doCopy}, a memory operation.
 */
public abstract class KernelBackend extends Backend {

    /**
     * Runs {@code call} on the device (asynchronously is fine): resolves its buffers (a {@link KernelArg.Buffer}
     * to the matrix's memory, {@link KernelArg.LossPartials} to this backend's partials buffer of the call's
     * precision, made on first use), sets the arguments and launches {@code call.geometry()}.
     */
    protected abstract void launch(KernelCall call);

    /**
     * The first {@code count} partial sums (at most {@link Geometry#LOSS_GROUPS}) that the last
     * {@link Kernel#LOSS_PARTIALS} call for {@code output} wrote to the partials buffer of
     * {@code output.precision()}, widened to double; blocks until that call has completed.
     */
    protected abstract double[] readLossPartials(Matrix output, int count);

    /** Copies {@code dst.size()} values from {@code src[offset...]} into {@code dst}, a FLOAT64 matrix; the range is checked. */
    protected abstract void upload(Matrix dst, double[] src, int offset);

    /** Copies {@code dst.size()} values from {@code src[offset...]} into {@code dst}, a FLOAT32 matrix; the range is checked. */
    protected abstract void upload(Matrix dst, float[] src, int offset);

    /** Copies {@code src}, a FLOAT64 matrix, into {@code dst[offset...]}, blocking until done; the range is checked. */
    protected abstract void download(Matrix src, double[] dst, int offset);

    /** Copies {@code src}, a FLOAT32 matrix, into {@code dst[offset...]}, blocking until done; the range is checked. */
    protected abstract void download(Matrix src, float[] dst, int offset);

    private KernelLaunch kernel(Kernel kernel, Precision precision) {
        return new KernelLaunch(this, kernel, precision);
    }

    // ------------------------------------------------------------------ memory

    @Override
    protected final void doWrite(Matrix dst, double[] src, int offset) {
        checkArray(src.length, offset, dst, "write");
        if (dst.precision() == Precision.FLOAT64) {
            upload(dst, src, offset);
        } else {
            float[] f = new float[dst.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) src[offset + i];
            }
            upload(dst, f, 0);
        }
    }

    @Override
    protected final void doWrite(Matrix dst, float[] src, int offset) {
        checkArray(src.length, offset, dst, "write");
        if (dst.precision() == Precision.FLOAT32) {
            upload(dst, src, offset);
        } else {
            double[] d = new double[dst.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = src[offset + i];
            }
            upload(dst, d, 0);
        }
    }

    @Override
    protected final void doRead(Matrix src, double[] dst, int offset) {
        checkArray(dst.length, offset, src, "read");
        if (src.precision() == Precision.FLOAT64) {
            download(src, dst, offset);
        } else {
            float[] f = new float[src.size()];
            download(src, f, 0);
            for (int i = 0; i < f.length; i++) {
                dst[offset + i] = f[i];
            }
        }
    }

    @Override
    protected final void doRead(Matrix src, float[] dst, int offset) {
        checkArray(dst.length, offset, src, "read");
        if (src.precision() == Precision.FLOAT32) {
            download(src, dst, offset);
        } else {
            double[] d = new double[src.size()];
            download(src, d, 0);
            for (int i = 0; i < d.length; i++) {
                dst[offset + i] = (float) d[i];
            }
        }
    }

    // ------------------------------------------------------------------ kernels

    @Override
    protected final void doFill(Matrix m, double value) {
        kernel(Kernel.FILL, m.precision()).buffer(m).real(value).integer(m.size()).elementwise(m.size());
    }

    // ------------------------------------------------------------------ forward / backward

    /** One launch over the tiles of {@code C [m x n]}; {@code A} and {@code B} are read through their column counts. */
    @Override
    protected final void doGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Matrix a,
                                Matrix b, double beta, Matrix c) {
        need((long) m * k <= a.size() && (long) k * n <= b.size() && (long) m * n == c.size()
                && a.cols() == (transA ? m : k) && b.cols() == (transB ? k : n), "gemm", a, b, c);
        kernel(Kernel.GEMM, c.precision()).buffer(a).buffer(b).buffer(c).integer(m).integer(n).integer(k)
                .integer(a.cols()).integer(b.cols()).integer(transA ? 1 : 0).integer(transB ? 1 : 0)
                .real(corruptsGemm() ? 1.5 * alpha : alpha).real(beta).integer(0).gemmTiles(m, n);
    }

    /**
     * Fault injection, for tests of {@link org.fcnn.spi.SelfTest} only: with the system property
     * {@value #CORRUPT_PROPERTY} set to {@code gemm}, every product comes out 1.5 times too large.
     */
    private static boolean corruptsGemm() {
        return "gemm".equals(System.getProperty(CORRUPT_PROPERTY));
    }

    /** The fault-injection property of the device backends' tests; see {@link #corruptsGemm()}. */
    public static final String CORRUPT_PROPERTY = "fcnn.test.corruptKernel";

    @Override
    protected final void doAddRowVector(Matrix z, Matrix bias) {
        need(bias.size() == z.cols(), "add_row_vector", z, bias);
        kernel(Kernel.ADD_ROW_VECTOR, z.precision()).buffer(z).buffer(bias).integer(z.size()).integer(z.cols())
                .elementwise(z.size());
    }

    @Override
    protected final void doColumnSums(Matrix a, Matrix out) {
        need(out.size() == a.cols(), "column_sums", a, out);
        kernel(Kernel.COLUMN_SUMS, a.precision()).buffer(a).buffer(out).integer(a.rows()).integer(a.cols())
                .columnTiles(a.cols());
    }

    @Override
    protected final void doActivate(Activation f, Matrix z, Matrix a) {
        need(z.size() == a.size(), "activate", z, a);
        switch (f) {
            case SIGMOID -> elementwise(Kernel.SIGMOID, z, a);
            case TANH -> elementwise(Kernel.TANH_ACT, z, a);
            case RELU -> elementwise(Kernel.RELU, z, a);
            case IDENTITY -> doCopy(z, a);
            case SOFTMAX -> kernel(Kernel.SOFTMAX, z.precision()).buffer(z).buffer(a).integer(z.cols()).rows(z.rows());
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    /** {@code out = f(in)}, element-wise: {@code (in, out, n)}. */
    private void elementwise(Kernel kernel, Matrix in, Matrix out) {
        kernel(kernel, in.precision()).buffer(in).buffer(out).integer(in.size()).elementwise(in.size());
    }

    @Override
    protected final void doActivationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ) {
        need(a.size() == dA.size() && a.size() == dZ.size(), "activation gradient", a, dA, dZ);
        switch (f) {
            case SIGMOID -> gradient(Kernel.SIGMOID_GRADIENT, a, dA, dZ);
            case TANH -> gradient(Kernel.TANH_GRADIENT, a, dA, dZ);
            case RELU -> gradient(Kernel.RELU_GRADIENT, a, dA, dZ);
            case IDENTITY -> doCopy(dA, dZ);
            case SOFTMAX -> kernel(Kernel.SOFTMAX_GRADIENT, a.precision()).buffer(a).buffer(dA).buffer(dZ)
                    .integer(a.cols()).rows(a.rows());
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    /** {@code dZ = dA (.) f'(A)}, element-wise: {@code (a, dA, dZ, n)}. */
    private void gradient(Kernel kernel, Matrix a, Matrix dA, Matrix dZ) {
        kernel(kernel, a.precision()).buffer(a).buffer(dA).buffer(dZ).integer(a.size()).elementwise(a.size());
    }

    /**
     * One {@link Kernel#LOSS_PARTIALS} launch of {@code groups = min(LOSS_GROUPS, ceil(n / ROW_LANES))} groups,
     * each summing the elements {@code group * ROW_LANES + lane + j * stride}; then the partials are added in
     * double here and scaled: {@code 0.5 sum / rows} (squared error) or {@code sum / rows} (cross-entropy).
     */
    @Override
    protected final double doLoss(Loss loss, Matrix output, Matrix target) {
        need(output.size() == target.size(), "loss_partials", output, target);
        int n = output.size();
        int groups = (int) Math.min(LOSS_GROUPS, (n + (long) ROW_LANES - 1) / ROW_LANES);
        kernel(Kernel.LOSS_PARTIALS, output.precision()).buffer(output).buffer(target).lossPartials()
                .integer(loss == Loss.SQUARED_ERROR ? 0 : 1).integer(n).integer(groups * ROW_LANES).rows(groups);
        double sum = 0;
        for (double partial : readLossPartials(output, groups)) {
            sum += partial;
        }
        return loss == Loss.SQUARED_ERROR ? 0.5 * sum / output.rows() : sum / output.rows();
    }

    /** {@code grad = (output - target) / rows}, for both losses (see {@link Backend#lossGradient}). */
    @Override
    protected final void doLossGradient(Loss loss, Matrix output, Matrix target, Matrix grad) {
        need(output.size() == target.size() && output.size() == grad.size(), "difference", output, target, grad);
        kernel(Kernel.DIFFERENCE, output.precision()).buffer(output).buffer(target).buffer(grad)
                .real(1.0 / output.rows()).integer(output.size()).elementwise(output.size());
    }

    // ------------------------------------------------------------------ a dense layer's passes, fused

    /** An element-wise activation's code in {@code bias_activate}, {@code output_delta} and {@code mask_derive}. */
    private static int code(Activation f) {
        switch (f) {
            case SIGMOID: return 0;
            case TANH: return 1;
            case RELU: return 2;
            case IDENTITY: return 3;
            default: throw new IllegalArgumentException("not element-wise: " + f);
        }
    }

    /** The product, then bias and activation in one {@link Kernel#BIAS_ACTIVATE} launch (softmax: the default composition). */
    @Override
    protected final void doDenseForward(Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        if (f == Activation.SOFTMAX) {
            super.doDenseForward(x, w, bias, f, a);
            return;
        }
        doGemm(false, true, x.rows(), w.rows(), x.cols(), 1, x, w, 0, a);
        if (bias != null || f != Activation.IDENTITY) {
            need(bias == null || bias.size() == a.cols(), "bias_activate", a, bias == null ? a : bias);
            kernel(Kernel.BIAS_ACTIVATE, a.precision()).buffer(a).buffer(bias == null ? a : bias)
                    .integer(bias == null ? 0 : 1).integer(code(f)).integer(a.size()).integer(a.cols())
                    .elementwise(a.size());
        }
    }

    /** One {@link Kernel#OUTPUT_DELTA} launch (softmax output or softmax cross-entropy: the default composition). */
    @Override
    protected final void doOutputDelta(Loss loss, Activation f, Matrix output, Matrix target, Matrix delta) {
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY || f == Activation.SOFTMAX) {
            super.doOutputDelta(loss, f, output, target, delta);
            return;
        }
        need(output.size() == target.size() && output.size() == delta.size(), "output_delta", output, target, delta);
        kernel(Kernel.OUTPUT_DELTA, output.precision()).buffer(output).buffer(target).buffer(delta)
                .real(1.0 / output.rows()).integer(code(f)).integer(output.size()).elementwise(output.size());
    }

    /** The product, then mask and derivative in one {@link Kernel#MASK_DERIVE} launch (softmax: the default composition). */
    @Override
    protected final void doBackpropagate(Matrix delta, Matrix w, Matrix mask, Activation f, Matrix below,
                                         Matrix deltaBelow) {
        if (f == Activation.SOFTMAX) {
            super.doBackpropagate(delta, w, mask, f, below, deltaBelow);
            return;
        }
        doGemm(false, false, delta.rows(), w.cols(), delta.cols(), 1, delta, w, 0, deltaBelow);
        if (mask != null || f != Activation.IDENTITY) {
            int n = deltaBelow.size();
            need(below.size() == n && (mask == null || mask.size() == n), "mask_derive", deltaBelow, below);
            kernel(Kernel.MASK_DERIVE, deltaBelow.precision()).buffer(deltaBelow)
                    .buffer(mask == null ? deltaBelow : mask).integer(mask == null ? 0 : 1).buffer(below)
                    .integer(code(f)).integer(n).elementwise(n);
        }
    }

    @Override
    protected final void doDropout(Matrix a, Matrix mask, Matrix out, int threshold, double scale, int seed) {
        need(a.size() == mask.size() && a.size() == out.size(), "dropout", a, mask, out);
        kernel(Kernel.DROPOUT, a.precision()).buffer(a).buffer(mask).buffer(out).integer(threshold).real(scale)
                .integer(seed).integer(a.size()).elementwise(a.size());
    }

    @Override
    protected final void doMultiply(Matrix a, Matrix b, Matrix out) {
        need(a.size() == b.size() && a.size() == out.size(), "multiply", a, b, out);
        kernel(Kernel.MULTIPLY, a.precision()).buffer(a).buffer(b).buffer(out).integer(a.size())
                .elementwise(a.size());
    }

    // ------------------------------------------------------------------ parameter updates

    @Override
    protected final void doSgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay) {
        need(param.size() == grad.size(), "sgd_update", param, grad);
        kernel(Kernel.SGD_UPDATE, param.precision()).buffer(param).buffer(grad).real(lr).real(weightDecay)
                .integer(param.size()).elementwise(param.size());
    }

    @Override
    protected final void doMomentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr, double momentum,
                                          double weightDecay) {
        need(param.size() == grad.size() && param.size() == velocity.size(), "momentum_update", param, grad,
                velocity);
        kernel(Kernel.MOMENTUM_UPDATE, param.precision()).buffer(param).buffer(grad).buffer(velocity).real(lr)
                .real(momentum).real(weightDecay).integer(param.size()).elementwise(param.size());
    }

    @Override
    protected final void doAdamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double stepSize, double beta1,
                                      double beta2, double eps, double correction2, double weightDecay) {
        need(param.size() == grad.size() && param.size() == m.size() && param.size() == v.size(), "adam_update",
                param, grad, m, v);
        kernel(Kernel.ADAM_UPDATE, param.precision()).buffer(param).buffer(grad).buffer(m).buffer(v)
                .real(stepSize).real(beta1).real(beta2).real(eps).real(correction2).real(weightDecay)
                .integer(param.size()).elementwise(param.size());
    }

    // ------------------------------------------------------------------ checks

    /** The host array's range, checked again before it reaches native code (which does not check it). */
    private static void checkArray(int length, int offset, Matrix m, String op) {
        if (offset < 0 || (long) offset + m.size() > length) {
            throw new IllegalArgumentException(op + " " + m.shape() + ": array of length " + length
                    + " too short from offset " + offset);
        }
    }

    /**
     * The sizes a kernel relies on, checked again here because a kernel that reads past a buffer crashes the
     * JVM or the driver; {@link Backend} has already checked the shapes, so this never fails for its callers.
     */
    private void need(boolean ok, String kernel, Matrix... operands) {
        if (!ok) {
            StringBuilder sb = new StringBuilder();
            for (Matrix m : operands) {
                sb.append(sb.length() == 0 ? "" : ", ").append(m.shape());
            }
            throw new IllegalArgumentException(name() + ": kernel " + kernel + ": sizes do not fit: " + sb);
        }
    }
}
