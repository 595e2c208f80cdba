// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import java.util.concurrent.atomic.AtomicLong;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;

/**
 * A compute backend: it owns memory ({@link Matrix}) and runs the kernels a fully connected network needs.
 *
 * <p><b>For callers.</b> Every public method checks its arguments first (shapes, precisions, array
 * lengths, finite scalars, matrices that belong to this backend and are open) and throws
 * {@link IllegalArgumentException} or {@link IllegalStateException} naming the problem; only then does the
 * backend's kernel run. Device failures surface as {@link org.fcnn.api.BackendException}. A backend and
 * its matrices are used from one thread at a time, except through the {@link ForwardContext}s of a backend
 * that makes them ({@link #forwardContext()}), which run forward passes on several threads at once.
 * Lifecycle: {@code create -> allocate/write -> kernels... -> read -> close matrices -> close backend};
 * closing the backend frees whatever is left.
 *
 * <p><b>For implementers.</b> Subclass and implement the protected {@code do...} methods; they receive
 * arguments that have already been checked, so native code never sees a bad size. Matrices are row-major.
 * Kernels may run asynchronously, but {@link #read}, {@link #loss} and {@link #close} must see all
 * preceding work completed. Notation: {@code n} is a batch's number of rows.
 */
public abstract class Backend implements AutoCloseable {
    /** Largest element count of one matrix, so that {@code rows * cols} and byte offsets fit comfortably. */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private final AtomicLong allocatedBytes = new AtomicLong();
    /** The host array {@link #doWriteRows} stages rows in by default, and its lock. */
    private final Object stagingLock = new Object();
    private float[] staging;
    private boolean closed;

    /** The provider's name: {@code cpu}, {@code opencl}, {@code cuda}. */
    public abstract String name();

    /** The device this backend computes on, for logs and the {@code backends} command. */
    public abstract String device();

    /** Whether this backend computes in {@code precision}; an OpenCL device without fp64 says no to FLOAT64. */
    public abstract boolean supports(Precision precision);

    /** Bytes of backend memory held by matrices that are allocated and not yet closed. */
    public final long allocatedBytes() {
        return allocatedBytes.get();
    }

    // ------------------------------------------------------------------ memory

    /**
     * Allocates a zero-filled {@code [rows x cols]} matrix.
     *
     * @throws IllegalArgumentException if a dimension is not positive, the size exceeds
     *                                  {@link #MAX_ELEMENTS}, or the precision is not supported
     */
    public final Matrix allocate(int rows, int cols, Precision precision) {
        ensureOpen();
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix dimensions must be positive, got [" + rows + " x " + cols + "]");
        }
        if ((long) rows * cols > MAX_ELEMENTS) {
            throw new IllegalArgumentException("matrix [" + rows + " x " + cols + "] has more than "
                    + MAX_ELEMENTS + " elements");
        }
        if (precision == null) {
            throw new IllegalArgumentException("precision is null");
        }
        if (!supports(precision)) {
            throw new IllegalArgumentException("backend " + name() + " (" + device() + ") does not support "
                    + precision + "; use " + (precision == Precision.FLOAT64 ? Precision.FLOAT32 : Precision.FLOAT64));
        }
        Matrix m = doAllocate(rows, cols, precision);
        allocatedBytes.addAndGet(m.bytes());
        return m;
    }

    /** Copies {@code dst.size()} values from {@code src[offset...]} into {@code dst} (row-major). Rejects NaN and infinities. */
    public final void write(Matrix dst, double[] src, int offset) {
        written(dst, "dst");
        checkRange(src == null ? -1 : src.length, offset, dst, "write");
        if (!allFinite(src, offset, dst.size())) {
            for (int i = offset, end = offset + dst.size(); i < end; i++) {
                if (!Double.isFinite(src[i])) {
                    throw notFinite(dst, i - offset, src[i]);
                }
            }
        }
        doWrite(dst, src, offset);
    }

    /** Copies {@code dst.size()} values from {@code src[offset...]} into {@code dst} (row-major). Rejects NaN and infinities. */
    public final void write(Matrix dst, float[] src, int offset) {
        written(dst, "dst");
        checkRange(src == null ? -1 : src.length, offset, dst, "write");
        if (!allFinite(src, offset, dst.size())) {
            for (int i = offset, end = offset + dst.size(); i < end; i++) {
                if (!Float.isFinite(src[i])) {
                    throw notFinite(dst, i - offset, src[i]);
                }
            }
        }
        doWrite(dst, src, offset);
    }

    /**
     * Copies rows of a row-major table into {@code dst} ({@code [rows x cols]}), the gather of a mini-batch
     * straight into a backend matrix: row {@code i} of {@code dst} from {@code table[r * cols, (r + 1) * cols)},
     * where {@code r = order[start + i]}, or {@code r = start + i} where {@code order} is {@code null}. One pass over
     * the rows where a gather into a host array and {@link #write(Matrix, float[], int)} take three (the CPU backend
     * copies into the matrix; others stage the rows in a host array that they keep for the next call). Rejects NaN
     * and infinities, naming the table's row and column; as rows are copied as they are checked, {@code dst} may
     * hold some of the rows when a value is rejected.
     *
     * @throws IllegalArgumentException if the table is null, a row index is outside it, the order is too short or
     *                                  a value is not finite
     */
    public final void writeRows(Matrix dst, float[] table, int[] order, int start) {
        written(dst, "dst");
        if (table == null) {
            throw new IllegalArgumentException("writeRows: table is null");
        }
        int rows = dst.rows();
        int cols = dst.cols();
        long tableRows = table.length / cols;
        if (order == null) {
            if (start < 0 || start + (long) rows > tableRows) {
                throw new IllegalArgumentException("writeRows " + dst.shape() + ": rows [" + start + ", "
                        + (start + (long) rows) + ") are not all in the table of " + tableRows + " rows of " + cols);
            }
        } else {
            if (start < 0 || start + (long) rows > order.length) {
                throw new IllegalArgumentException("writeRows " + dst.shape() + ": order[" + start + ", "
                        + (start + (long) rows) + ") is past the order's " + order.length + " entries");
            }
            for (int i = start, end = start + rows; i < end; i++) {
                if (order[i] < 0 || order[i] >= tableRows) {
                    throw new IllegalArgumentException("writeRows " + dst.shape() + ": order[" + i + "] = " + order[i]
                            + " is not a row of the table of " + tableRows + " rows of " + cols);
                }
            }
        }
        doWriteRows(dst, table, order, start);
    }

    /** Copies {@code src} into {@code dst[offset ... offset + src.size())} (row-major). */
    public final void read(Matrix src, double[] dst, int offset) {
        check(src, "src");
        checkRange(dst == null ? -1 : dst.length, offset, src, "read");
        doRead(src, dst, offset);
    }

    /** Copies {@code src} into {@code dst[offset ... offset + src.size())} (row-major). */
    public final void read(Matrix src, float[] dst, int offset) {
        check(src, "src");
        checkRange(dst == null ? -1 : dst.length, offset, src, "read");
        doRead(src, dst, offset);
    }

    /** {@code dst = src}; same shape and precision. */
    public final void copy(Matrix src, Matrix dst) {
        check(src, "src");
        written(dst, "dst");
        sameShape("copy", src, dst);
        doCopy(src, dst);
    }

    /** Sets every element of {@code m} to {@code value}. */
    public final void fill(Matrix m, double value) {
        written(m, "m");
        finite("fill", "value", value);
        doFill(m, value);
    }

    // ------------------------------------------------------------------ forward / backward kernels

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is {@code X} or {@code X^T}.
     * Shapes: {@code op(A) [m x k]}, {@code op(B) [k x n]}, {@code C [m x n]}. {@code C} must not be
     * {@code A} or {@code B}. With {@code beta == 0} the old contents of {@code C} are ignored.
     *
     * <p>In a network: forward {@code Z = X * W^T} is {@code gemm(false, true)}, the weight gradient
     * {@code dW = dZ^T * X} is {@code gemm(true, false)}, and {@code dX = dZ * W} is {@code gemm(false, false)}.
     */
    public final void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b, double beta, Matrix c) {
        check(a, "A");
        check(b, "B");
        written(c, "C");
        samePrecision("gemm", a, b, c);
        finite("gemm", "alpha", alpha);
        finite("gemm", "beta", beta);
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm shape mismatch: op(A) = " + dims(m, k) + (transA ? " (A^T)" : "")
                    + ", op(B) = " + dims(kb, n) + (transB ? " (B^T)" : "") + ", C = " + dims(c.rows(), c.cols())
                    + "; need op(A) [m x k], op(B) [k x n], C [m x n]");
        }
        if (c == a || c == b) {
            throw new IllegalArgumentException("gemm: C must not be the same matrix as A or B");
        }
        doGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    /** {@code Z[i][j] += bias[0][j]}: adds the row vector {@code bias [1 x cols]} to every row of {@code Z [n x cols]}. */
    public final void addRowVector(Matrix z, Matrix bias) {
        written(z, "Z");
        check(bias, "bias");
        samePrecision("addRowVector", z, bias);
        if (bias.rows() != 1 || bias.cols() != z.cols()) {
            throw new IllegalArgumentException("addRowVector: bias must be [1 x " + z.cols() + "] for Z "
                    + z.shape() + ", got " + bias.shape());
        }
        doAddRowVector(z, bias);
    }

    /** {@code out[0][j] = sum_i a[i][j]}: column sums of {@code a [n x cols]} into {@code out [1 x cols]} (the bias gradient). */
    public final void columnSums(Matrix a, Matrix out) {
        check(a, "A");
        written(out, "out");
        samePrecision("columnSums", a, out);
        if (out.rows() != 1 || out.cols() != a.cols()) {
            throw new IllegalArgumentException("columnSums: out must be [1 x " + a.cols() + "] for A "
                    + a.shape() + ", got " + out.shape());
        }
        doColumnSums(a, out);
    }

    /** {@code A = f(Z)}, element-wise (softmax: per row). {@code A} may be {@code Z}. */
    public final void activate(Activation f, Matrix z, Matrix a) {
        nonNull("activate", "activation", f);
        check(z, "Z");
        written(a, "A");
        sameShape("activate", z, a);
        doActivate(f, z, a);
    }

    /**
     * {@code dZ = dA (.) f'(Z)}, with the derivative computed from the activation's output {@code A};
     * for softmax the Jacobian-vector product per row, {@code dZ_j = A_j (dA_j - sum_k dA_k A_k)}.
     * All three are {@code [n x cols]}; {@code dZ} may be {@code dA}.
     */
    public final void activationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ) {
        nonNull("activationGradient", "activation", f);
        check(a, "A");
        check(dA, "dA");
        written(dZ, "dZ");
        sameShape("activationGradient", a, dA);
        sameShape("activationGradient", a, dZ);
        doActivationGradient(f, a, dA, dZ);
    }

    /** The mean over the {@code n} rows of the per-sample loss of {@code output [n x m]} against {@code target [n x m]}. */
    public final double loss(Loss loss, Matrix output, Matrix target) {
        nonNull("loss", "loss", loss);
        check(output, "output");
        check(target, "target");
        sameShape("loss", output, target);
        return doLoss(loss, output, target);
    }

    /**
     * The loss gradient {@code grad [n x m]}: for {@link Loss#SQUARED_ERROR} with respect to the output,
     * {@code (O - T) / n}; for {@link Loss#SOFTMAX_CROSS_ENTROPY} with respect to the softmax's input,
     * {@code (P - T) / n}, where {@code output} holds {@code P}. {@code grad} may not be {@code output} or
     * {@code target}.
     */
    public final void lossGradient(Loss loss, Matrix output, Matrix target, Matrix grad) {
        nonNull("lossGradient", "loss", loss);
        check(output, "output");
        check(target, "target");
        written(grad, "grad");
        sameShape("lossGradient", output, target);
        sameShape("lossGradient", output, grad);
        if (grad == output || grad == target) {
            throw new IllegalArgumentException("lossGradient: grad must be a separate matrix");
        }
        doLossGradient(loss, output, target, grad);
    }

    /**
     * Inverted dropout: {@code mask = keep ? 1/(1-rate) : 0}, then {@code out = a (.) mask}, where element
     * {@code i} is kept when a counter-based hash of {@code (seed, i)} says so (see {@link Dropout}), so
     * every backend drops the same elements for the same seed. All three are the same shape; {@code out}
     * may be {@code a}. {@code rate} in {@code [0, 1)}.
     */
    public final void dropout(Matrix a, Matrix mask, Matrix out, double rate, int seed) {
        check(a, "A");
        written(mask, "mask");
        written(out, "out");
        sameShape("dropout", a, mask);
        sameShape("dropout", a, out);
        if (mask == a || mask == out) {
            throw new IllegalArgumentException("dropout: mask must be a separate matrix");
        }
        doDropout(a, mask, out, Dropout.threshold(rate), 1 / (1 - rate), seed);
    }

    /** {@code out = a (.) b}, element-wise; {@code out} may be {@code a} or {@code b}. */
    public final void multiply(Matrix a, Matrix b, Matrix out) {
        check(a, "A");
        check(b, "B");
        written(out, "out");
        sameShape("multiply", a, b);
        sameShape("multiply", a, out);
        doMultiply(a, b, out);
    }

    // ------------------------------------------------------------------ a dense layer's passes, fused

    /**
     * A dense layer's forward pass, {@code A = f(X W^T + b)}: {@code X [n x in]}, {@code W [out x in]},
     * {@code bias [1 x out]} or {@code null} for none, {@code A [n x out]}. The same result as
     * {@code gemm(false, true, 1, X, W, 0, A)}, {@code addRowVector(A, bias)}, {@code activate(f, A, A)}, in one
     * call that a backend may fuse (the CPU backend adds the bias and applies {@code f} in one pass).
     * {@code A} must not be {@code X}, {@code W} or {@code bias}.
     */
    public final void denseForward(Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        nonNull("denseForward", "activation", f);
        check(x, "X");
        check(w, "W");
        written(a, "A");
        samePrecision("denseForward", x, w, a);
        if (x.cols() != w.cols() || a.rows() != x.rows() || a.cols() != w.rows()) {
            throw new IllegalArgumentException("denseForward shape mismatch: X " + x.shape() + ", W " + w.shape()
                    + ", A " + a.shape() + "; need X [n x in], W [out x in], A [n x out]");
        }
        if (bias != null) {
            check(bias, "bias");
            samePrecision("denseForward", a, bias);
            if (bias.rows() != 1 || bias.cols() != w.rows()) {
                throw new IllegalArgumentException("denseForward: bias must be [1 x " + w.rows() + "] for W "
                        + w.shape() + ", got " + bias.shape());
            }
        }
        if (a == x || a == w || a == bias) {
            throw new IllegalArgumentException("denseForward: A must be a separate matrix from X, W and bias");
        }
        doDenseForward(x, w, bias, f, a);
    }

    /**
     * The output layer's error {@code delta = dE/dZ [n x m]}, for the output {@code A = f(Z)} against
     * {@code target [n x m]}: for {@link Loss#SOFTMAX_CROSS_ENTROPY} ({@code f} must be softmax)
     * {@code (A - T) / n}; otherwise {@code lossGradient} followed by {@code activationGradient(f)}.
     * {@code delta} must be a separate matrix from {@code output} and {@code target}.
     */
    public final void outputDelta(Loss loss, Activation f, Matrix output, Matrix target, Matrix delta) {
        nonNull("outputDelta", "loss", loss);
        nonNull("outputDelta", "activation", f);
        check(output, "output");
        check(target, "target");
        written(delta, "delta");
        sameShape("outputDelta", output, target);
        sameShape("outputDelta", output, delta);
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && f != Activation.SOFTMAX) {
            throw new IllegalArgumentException("outputDelta: softmax_cross_entropy needs a softmax output, got " + f);
        }
        if (delta == output || delta == target) {
            throw new IllegalArgumentException("outputDelta: delta must be a separate matrix");
        }
        doOutputDelta(loss, f, output, target, delta);
    }

    /**
     * A dense layer's parameter gradients from its error {@code delta = dE/dZ [n x out]} and its input
     * {@code X [n x in]}: {@code dW = delta^T X [out x in]} and, unless {@code biasGrad} is {@code null},
     * {@code db = } the column sums of {@code delta}, {@code [1 x out]}. The same result as
     * {@code gemm(true, false, 1, delta, X, 0, dW)} and {@code columnSums(delta, db)}.
     */
    public final void denseGradients(Matrix delta, Matrix x, Matrix weightGrad, Matrix biasGrad) {
        check(delta, "delta");
        check(x, "X");
        written(weightGrad, "dW");
        samePrecision("denseGradients", delta, x, weightGrad);
        if (delta.rows() != x.rows() || weightGrad.rows() != delta.cols() || weightGrad.cols() != x.cols()) {
            throw new IllegalArgumentException("denseGradients shape mismatch: delta " + delta.shape() + ", X "
                    + x.shape() + ", dW " + weightGrad.shape() + "; need delta [n x out], X [n x in], dW [out x in]");
        }
        if (biasGrad != null) {
            written(biasGrad, "db");
            samePrecision("denseGradients", delta, biasGrad);
            if (biasGrad.rows() != 1 || biasGrad.cols() != delta.cols()) {
                throw new IllegalArgumentException("denseGradients: db must be [1 x " + delta.cols() + "], got "
                        + biasGrad.shape());
            }
        }
        if (weightGrad == delta || weightGrad == x || biasGrad == delta || biasGrad == x || biasGrad == weightGrad) {
            throw new IllegalArgumentException("denseGradients: dW and db must be separate from delta and X");
        }
        doDenseGradients(delta, x, weightGrad, biasGrad);
    }

    /**
     * Carries a dense layer's error back to the layer below:
     * {@code deltaBelow = ((delta W) (.) mask) (.) f'(below)}, with {@code delta [n x out]}, {@code W [out x in]},
     * {@code mask [n x in]} the below layer's dropout mask or {@code null}, {@code below [n x in]} the below
     * layer's output {@code f(Z)} (before dropout), {@code f} its activation, and {@code deltaBelow [n x in]}
     * a separate matrix from all of them.
     */
    public final void backpropagate(Matrix delta, Matrix w, Matrix mask, Activation f, Matrix below,
                                    Matrix deltaBelow) {
        nonNull("backpropagate", "activation", f);
        check(delta, "delta");
        check(w, "W");
        check(below, "below");
        written(deltaBelow, "deltaBelow");
        samePrecision("backpropagate", delta, w, below);
        sameShape("backpropagate", below, deltaBelow);
        if (delta.cols() != w.rows() || below.cols() != w.cols() || below.rows() != delta.rows()) {
            throw new IllegalArgumentException("backpropagate shape mismatch: delta " + delta.shape() + ", W "
                    + w.shape() + ", below " + below.shape() + "; need delta [n x out], W [out x in], below [n x in]");
        }
        if (mask != null) {
            check(mask, "mask");
            sameShape("backpropagate", below, mask);
        }
        if (deltaBelow == delta || deltaBelow == w || deltaBelow == mask || deltaBelow == below) {
            throw new IllegalArgumentException("backpropagate: deltaBelow must be a separate matrix");
        }
        doBackpropagate(delta, w, mask, f, below, deltaBelow);
    }

    // ------------------------------------------------------------------ a whole training step, fused

    /**
     * One plain-SGD training step of a stack of dense layers on the batch already written to
     * {@code stack.input()} and {@code stack.target()}, and returns the batch's mean loss before the update.
     * The same result as, in this order: {@link #denseForward} for each layer (input {@code X}, then the
     * layer below's output); {@link #loss}; {@link #outputDelta} for the last layer; from the last layer
     * down, {@link #denseGradients} and, above the first layer, {@link #backpropagate} (no dropout mask);
     * then for each layer {@link #sgdUpdate} of its weights and, where it has a bias gradient, of its bias.
     * Every output, error and gradient matrix of the stack holds what those calls leave in it. A backend may
     * run the whole step as one call (the CPU backend does for tiny networks, where the per-call cost of
     * eleven calls is most of the step's time); by default it is exactly that composition.
     *
     * @throws IllegalArgumentException if the stack is another backend's, {@code loss} is {@code null} or
     *                                  softmax cross-entropy without a softmax output layer, or {@code lr} or
     *                                  {@code weightDecay} is not finite
     * @throws IllegalStateException    if this backend or one of the stack's matrices is closed
     */
    public final double sgdStep(DenseStack stack, Loss loss, double lr, double weightDecay) {
        ensureOpen();
        nonNull("sgdStep", "stack", stack);
        nonNull("sgdStep", "loss", loss);
        if (stack.backend() != this) {
            throw new IllegalArgumentException("sgdStep: the stack's matrices belong to backend "
                    + stack.backend().name() + ", not to this " + name() + " backend");
        }
        if (!stack.allOpen()) {
            throw new IllegalStateException("sgdStep: a matrix of the stack is closed");
        }
        String frozen = stack.frozenWritten();
        if (frozen != null) {
            throw new IllegalStateException("sgdStep: " + frozen + " of the stack is frozen (read-only): it cannot be written");
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && stack.activation(stack.layers() - 1) != Activation.SOFTMAX) {
            throw new IllegalArgumentException("sgdStep: softmax_cross_entropy needs a softmax output, got "
                    + stack.activation(stack.layers() - 1));
        }
        finite("sgdStep", "learning rate", lr);
        finite("sgdStep", "weight decay", weightDecay);
        return doSgdStep(stack, loss, lr, weightDecay);
    }

    // ------------------------------------------------------------------ parameter updates

    /** Plain SGD: {@code p -= lr * (g + weightDecay * p)}. */
    public final void sgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay) {
        checkUpdate("sgdUpdate", param, grad, lr, weightDecay);
        doSgdUpdate(param, grad, lr, weightDecay);
    }

    /**
     * SGD with momentum (PyTorch's convention): {@code v = momentum * v + (g + weightDecay * p)},
     * then {@code p -= lr * v}.
     */
    public final void momentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr, double momentum,
                                     double weightDecay) {
        checkUpdate("momentumUpdate", param, grad, lr, weightDecay);
        written(velocity, "velocity");
        sameShape("momentumUpdate", param, velocity);
        finite("momentumUpdate", "momentum", momentum);
        doMomentumUpdate(param, grad, velocity, lr, momentum, weightDecay);
    }

    /**
     * Adam (PyTorch's convention, L2 added to the gradient): with {@code g' = g + weightDecay * p},
     * {@code m = b1 m + (1-b1) g'}, {@code v = b2 v + (1-b2) g'^2},
     * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}; {@code step} is {@code t >= 1}.
     */
    public final void adamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double lr, double beta1,
                                 double beta2, double eps, long step, double weightDecay) {
        checkUpdate("adamUpdate", param, grad, lr, weightDecay);
        written(m, "m");
        written(v, "v");
        sameShape("adamUpdate", param, m);
        sameShape("adamUpdate", param, v);
        finite("adamUpdate", "beta1", beta1);
        finite("adamUpdate", "beta2", beta2);
        finite("adamUpdate", "eps", eps);
        if (step < 1) {
            throw new IllegalArgumentException("adamUpdate: step must be >= 1, got " + step);
        }
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = Math.sqrt(1 - Math.pow(beta2, step));
        doAdamUpdate(param, grad, m, v, lr / correction1, beta1, beta2, eps, correction2, weightDecay);
    }

    // ------------------------------------------------------------------ read-only matrices

    /**
     * Makes {@code m} read-only for the rest of its life, so that the backend may keep its values in a layout
     * that is faster to read (the CPU backend: a copy of a large float32 matrix whose rows start on cache
     * lines, for the products of one sample or a few, which a {@link org.fcnn.api.Predictor}'s forward passes
     * are). Afterwards {@code m} may be read and used as an operand as before, with the same results bit for
     * bit; writing it ({@link #write}, {@link #copy} or {@link #fill} into it, or passing it where an operation
     * writes, such as a product's {@code C}, an activation's output or an update's parameter) throws
     * {@link IllegalStateException}. Freezing a frozen matrix does nothing.
     *
     * @throws IllegalArgumentException if {@code m} is {@code null} or another backend's
     * @throws IllegalStateException    if this backend or {@code m} is closed
     */
    public final void freeze(Matrix m) {
        check(m, "m");
        if (!m.isFrozen()) {
            doFreeze(m);
            m.markFrozen();
        }
    }

    /**
     * {@link #freeze}: called once per matrix, before it is marked read-only; by default nothing. A backend
     * that keeps a second layout must give the same results from it as from the matrix itself.
     */
    protected void doFreeze(Matrix m) {
    }

    // ------------------------------------------------------------------ concurrent forward passes

    /**
     * A new context for forward passes on another thread, on this backend's matrices (see
     * {@link ForwardContext} for what may run at once), or {@code null} if this backend's kernels serve one
     * caller at a time; callers then take turns. The CPU backend makes contexts; the device backends do
     * not (their command queue runs the work in order anyway).
     *
     * @throws IllegalStateException if the backend is closed
     */
    public final ForwardContext forwardContext() {
        ensureOpen();
        return doForwardContext();
    }

    /** {@link #forwardContext()}: {@code null} by default; override to return a new context per call. */
    protected ForwardContext doForwardContext() {
        return null;
    }

    // ------------------------------------------------------------------ lifecycle

    /** Frees the backend and everything it still holds. Idempotent. */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            doClose();
        }
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Called by {@link Matrix#close()}. */
    final void release(Matrix m) {
        allocatedBytes.addAndGet(-m.bytes());
        if (!closed) {
            m.free();
        }
    }

    // ------------------------------------------------------------------ what a backend implements

    /** A zero-filled matrix; arguments are checked. */
    protected abstract Matrix doAllocate(int rows, int cols, Precision precision);

    protected abstract void doWrite(Matrix dst, double[] src, int offset);

    protected abstract void doWrite(Matrix dst, float[] src, int offset);

    protected abstract void doRead(Matrix src, double[] dst, int offset);

    protected abstract void doRead(Matrix src, float[] dst, int offset);

    protected abstract void doCopy(Matrix src, Matrix dst);

    protected abstract void doFill(Matrix m, double value);

    /** {@code C [m x n] = alpha op(A) [m x k] op(B) [k x n] + beta C}; with {@code beta == 0}, C's old contents (even NaN) are ignored. */
    protected abstract void doGemm(boolean transA, boolean transB, int m, int n, int k,
                                   double alpha, Matrix a, Matrix b, double beta, Matrix c);

    protected abstract void doAddRowVector(Matrix z, Matrix bias);

    protected abstract void doColumnSums(Matrix a, Matrix out);

    protected abstract void doActivate(Activation f, Matrix z, Matrix a);

    protected abstract void doActivationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ);

    protected abstract double doLoss(Loss loss, Matrix output, Matrix target);

    protected abstract void doLossGradient(Loss loss, Matrix output, Matrix target, Matrix grad);

    /**
     * Element {@code i} is kept when {@code Dropout.hash(seed, i) >>> 8 >= threshold} (unsigned); kept
     * elements of {@code mask} are {@code scale}, dropped ones 0; then {@code out = a (.) mask}.
     */
    protected abstract void doDropout(Matrix a, Matrix mask, Matrix out, int threshold, double scale, int seed);

    protected abstract void doMultiply(Matrix a, Matrix b, Matrix out);

    /**
     * {@link #denseForward}: by default {@code doGemm}, {@code doAddRowVector} (with a bias), {@code doActivate};
     * override to fuse them.
     */
    protected void doDenseForward(Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        doGemm(false, true, x.rows(), w.rows(), x.cols(), 1, x, w, 0, a);
        if (bias != null) {
            doAddRowVector(a, bias);
        }
        doActivate(f, a, a);
    }

    /** {@link #outputDelta}: by default {@code doLossGradient}, then {@code doActivationGradient} unless softmax cross-entropy. */
    protected void doOutputDelta(Loss loss, Activation f, Matrix output, Matrix target, Matrix delta) {
        doLossGradient(loss, output, target, delta);
        if (loss != Loss.SOFTMAX_CROSS_ENTROPY) {
            doActivationGradient(f, output, delta, delta);
        }
    }

    /** {@link #denseGradients}: by default {@code doGemm} and {@code doColumnSums}. */
    protected void doDenseGradients(Matrix delta, Matrix x, Matrix weightGrad, Matrix biasGrad) {
        doGemm(true, false, delta.cols(), x.cols(), delta.rows(), 1, delta, x, 0, weightGrad);
        if (biasGrad != null) {
            doColumnSums(delta, biasGrad);
        }
    }

    /** {@link #backpropagate}: by default {@code doGemm}, {@code doMultiply} (with a mask), {@code doActivationGradient}. */
    protected void doBackpropagate(Matrix delta, Matrix w, Matrix mask, Activation f, Matrix below,
                                   Matrix deltaBelow) {
        doGemm(false, false, delta.rows(), w.cols(), delta.cols(), 1, delta, w, 0, deltaBelow);
        if (mask != null) {
            doMultiply(deltaBelow, mask, deltaBelow);
        }
        doActivationGradient(f, below, deltaBelow, deltaBelow);
    }

    /**
     * {@link #sgdStep}: by default the composition of the {@code do...} methods that method lists; override
     * to fuse them (arguments checked, the stack's shapes checked when it was made).
     */
    protected double doSgdStep(DenseStack s, Loss loss, double lr, double weightDecay) {
        int last = s.layers() - 1;
        for (int i = 0; i <= last; i++) {
            doDenseForward(s.layerInput(i), s.weights(i), s.bias(i), s.activation(i), s.output(i));
        }
        double e = doLoss(loss, s.output(last), s.target());
        doOutputDelta(loss, s.activation(last), s.output(last), s.target(), s.delta(last));
        for (int i = last; i >= 0; i--) {
            doDenseGradients(s.delta(i), s.layerInput(i), s.weightGradient(i), s.biasGradient(i));
            if (i > 0) {
                doBackpropagate(s.delta(i), s.weights(i), null, s.activation(i - 1), s.output(i - 1), s.delta(i - 1));
            }
        }
        for (int i = 0; i <= last; i++) {
            doSgdUpdate(s.weights(i), s.weightGradient(i), lr, weightDecay);
            if (s.biasGradient(i) != null) {
                doSgdUpdate(s.bias(i), s.biasGradient(i), lr, weightDecay);
            }
        }
        return e;
    }

    protected abstract void doSgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay);

    protected abstract void doMomentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr,
                                             double momentum, double weightDecay);

    /**
     * Adam with the bias corrections computed by the caller, exactly as PyTorch does it:
     * {@code g' = g + weightDecay p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
     * p -= stepSize * m / (sqrt(v) / correction2 + eps)}, where {@code stepSize = lr / (1 - b1^t)} and
     * {@code correction2 = sqrt(1 - b2^t)}.
     */
    protected abstract void doAdamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double stepSize,
                                         double beta1, double beta2, double eps, double correction2,
                                         double weightDecay);

    /**
     * {@link #writeRows}'s copy, its indices checked; it must reject a value that is not finite with
     * {@link #notFiniteRow}. The default gathers the rows into a host array kept for the next call (one per
     * backend, used under its lock) and writes that with {@link #doWrite(Matrix, float[], int)}.
     */
    protected void doWriteRows(Matrix dst, float[] table, int[] order, int start) {
        int rows = dst.rows();
        int cols = dst.cols();
        synchronized (stagingLock) {
            if (staging == null || staging.length < dst.size()) {
                staging = new float[dst.size()];
            }
            for (int i = 0; i < rows; i++) {
                int r = order == null ? start + i : order[start + i];
                System.arraycopy(table, r * cols, staging, i * cols, cols);
                if (!allFinite(staging, i * cols, cols)) {
                    throw notFiniteRow(dst, table, r, cols);
                }
            }
            doWrite(dst, staging, 0);
        }
    }

    /** The exception for row {@code r} of a table of {@code cols} columns, which holds a NaN or an infinity. */
    protected static IllegalArgumentException notFiniteRow(Matrix dst, float[] table, int r, int cols) {
        int j = 0;
        while (j < cols - 1 && Float.isFinite(table[r * cols + j])) {
            j++;
        }
        return new IllegalArgumentException("writeRows " + dst.shape() + ": value " + j + " of table row " + r
                + " is " + table[r * cols + j] + "; values must be finite");
    }

    /** Releases every native resource; matrices still open are freed with it. */
    protected abstract void doClose();

    // ------------------------------------------------------------------ checks

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backend " + name() + " is closed");
        }
    }

    void check(Matrix m, String role) {
        if (closed || m == null || m.backend() != this || m.isClosed()) {
            throw unusable(m, role);
        }
    }

    /** {@link #check} for a matrix the operation writes: it must not be {@linkplain #freeze frozen} either. */
    void written(Matrix m, String role) {
        check(m, role);
        if (m.isFrozen()) {
            throw new IllegalStateException(role + " " + m.shape() + " is frozen (read-only): it cannot be written");
        }
    }

    /** Why {@code m} cannot be used here (the cold path of {@link #check}, kept out of the hot methods). */
    private RuntimeException unusable(Matrix m, String role) {
        if (closed) {
            return new IllegalStateException("backend " + name() + " is closed");
        }
        if (m == null) {
            return new IllegalArgumentException(role + " is null");
        }
        if (m.backend() != this) {
            return new IllegalArgumentException(role + " " + m.shape() + " belongs to backend "
                    + m.backend().name() + ", not to this " + name() + " backend");
        }
        return new IllegalStateException(role + " " + m.shape() + " is closed");
    }

    /**
     * Whether {@code x[offset, offset + n)} holds no NaN or infinity, in a loop without an exit; the caller
     * then looks for the first bad element only when there is one. Summing {@code x * 0} in eight sums ran
     * 2-3 times faster than the earlier largest magnitude ({@code Math.max} of {@code |x|}), measured side by
     * side on 200,704 floats (a Fashion-MNIST batch of 256) on an Intel Xeon (family 6 model 207).
     */
    static boolean allFinite(double[] x, int offset, int n) {
        // x * 0 is 0 for every finite x and NaN for NaN and the infinities: the sum is 0 exactly when all are
        // finite. Eight sums keep eight additions in flight.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = offset;
        int end = offset + n;
        for (; i + 8 <= end; i += 8) {
            s0 += x[i] * 0.0;
            s1 += x[i + 1] * 0.0;
            s2 += x[i + 2] * 0.0;
            s3 += x[i + 3] * 0.0;
            s4 += x[i + 4] * 0.0;
            s5 += x[i + 5] * 0.0;
            s6 += x[i + 6] * 0.0;
            s7 += x[i + 7] * 0.0;
        }
        for (; i < end; i++) {
            s0 += x[i] * 0.0;
        }
        return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 == 0;
    }

    /** As {@link #allFinite(double[], int, int)} for floats. */
    protected static boolean allFinite(float[] x, int offset, int n) {
        // x * 0 is 0 for every finite x and NaN for NaN and the infinities: the sum is 0 exactly when all are
        // finite. Eight sums keep eight additions in flight.
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = offset;
        int end = offset + n;
        for (; i + 8 <= end; i += 8) {
            s0 += x[i] * 0f;
            s1 += x[i + 1] * 0f;
            s2 += x[i + 2] * 0f;
            s3 += x[i + 3] * 0f;
            s4 += x[i + 4] * 0f;
            s5 += x[i + 5] * 0f;
            s6 += x[i + 6] * 0f;
            s7 += x[i + 7] * 0f;
        }
        for (; i < end; i++) {
            s0 += x[i] * 0f;
        }
        return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 == 0;
    }

    private static void checkRange(int length, int offset, Matrix m, String op) {
        if (length < 0) {
            throw new IllegalArgumentException(op + ": array is null");
        }
        if (offset < 0 || (long) offset + m.size() > length) {
            throw new IllegalArgumentException(op + " " + m.shape() + " needs " + m.size()
                    + " elements from offset " + offset + ", but the array has length " + length);
        }
    }

    private void checkUpdate(String op, Matrix param, Matrix grad, double lr, double weightDecay) {
        written(param, "param");
        check(grad, "grad");
        sameShape(op, param, grad);
        finite(op, "learning rate", lr);
        finite(op, "weight decay", weightDecay);
    }

    private static void sameShape(String op, Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols() || a.precision() != b.precision()) {
            throw invalid(op + ": shapes differ: " + a.shape() + " vs " + b.shape());
        }
    }

    static void samePrecision(String op, Matrix a, Matrix b) {
        if (a.precision() != b.precision()) {
            throw invalid(op + ": precisions differ: " + a.shape() + " vs " + b.shape());
        }
    }

    static void samePrecision(String op, Matrix a, Matrix b, Matrix c) {
        samePrecision(op, a, b);
        samePrecision(op, a, c);
    }

    private static void finite(String op, String what, double value) {
        if (!Double.isFinite(value)) {
            throw invalid(op + ": " + what + " must be finite, got " + value);
        }
    }

    static void nonNull(String op, String what, Object o) {
        if (o == null) {
            throw invalid(op + ": " + what + " is null");
        }
    }

    private static IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException(message);
    }

    private static IllegalArgumentException notFinite(Matrix dst, int element, double value) {
        return new IllegalArgumentException("write to " + dst.shape() + ": element " + element + " is " + value
                + "; values must be finite");
    }

    private static String dims(int r, int c) {
        return "[" + r + " x " + c + "]";
    }

    @Override
    public String toString() {
        return name() + " backend (" + device() + ")";
    }
}
