// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import org.fcnn.api.Activation;

/**
 * One caller's means to run forward passes on a backend's matrices while other callers do the same: the
 * working memory of one thread (a matrix product's packing buffers and the like), but no matrices. Made by
 * {@link Backend#forwardContext()} on a backend that supports it; {@link org.fcnn.api.Predictor} keeps a
 * pool of them, so that requests on many threads run at once on weights they all share.
 *
 * <p><b>For callers.</b> A context is used by one thread at a time. Different contexts of one backend may
 * run at the same time on different threads, alongside one thread that uses the backend itself (allocating,
 * writing, reading or closing matrices), as long as no matrix is written by one of them while another uses
 * it: the weights that every context reads stay unchanged while they run, and each context writes matrices
 * of its own. Each method works on the first {@code rows} rows of its matrices, so matrices sized for the
 * largest batch serve every smaller one. Arguments are checked as {@link Backend} checks them (a bad one gets
 * an {@link IllegalArgumentException} or {@link IllegalStateException} naming it) before any kernel runs. The
 * work runs on the calling thread alone: the callers bring the parallelism. Call order:
 * {@code write(X) -> denseForward(...) per layer -> read(output)}, as often as needed, then {@link #close()}.
 * Closing the backend ends its contexts too (their calls then throw {@link IllegalStateException}).
 *
 * <p><b>For implementers.</b> Implement the {@code do...} methods, which receive checked arguments. On the
 * first {@code rows} rows they compute the same values, bit for bit, as the backend's own {@code doWrite},
 * {@code doDenseForward} and {@code doRead} on matrices of {@code rows} rows. A context shares no mutable
 * state with other contexts or with the backend's own calls, and once warm (its buffers grown to the largest
 * call it has run) allocates nothing per call.
 */
public abstract class ForwardContext implements AutoCloseable {
    private final Backend backend;
    private boolean closed;

    /** A context of {@code backend}; called from {@link Backend#doForwardContext()}. */
    protected ForwardContext(Backend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("backend is null");
        }
        this.backend = backend;
    }

    /** The backend whose matrices this context computes on. */
    public final Backend backend() {
        return backend;
    }

    /**
     * Copies {@code rows * dst.cols()} values from {@code src[offset...]} into the first {@code rows} rows of
     * {@code dst} (row-major). Rejects NaN and infinities, naming the element.
     */
    public final void write(Matrix dst, int rows, float[] src, int offset) {
        int count = checkTransfer("write", true, dst, "dst", rows, src == null ? -1 : src.length, offset);
        if (!Backend.allFinite(src, offset, count)) {
            for (int i = 0; i < count; i++) {
                if (!Float.isFinite(src[offset + i])) {
                    throw notFinite(dst, rows, i, src[offset + i]);
                }
            }
        }
        doWrite(dst, rows, src, offset);
    }

    /** As {@link #write(Matrix, int, float[], int)} from doubles (rounded to float in a float32 matrix). */
    public final void write(Matrix dst, int rows, double[] src, int offset) {
        int count = checkTransfer("write", true, dst, "dst", rows, src == null ? -1 : src.length, offset);
        if (!Backend.allFinite(src, offset, count)) {
            for (int i = 0; i < count; i++) {
                if (!Double.isFinite(src[offset + i])) {
                    throw notFinite(dst, rows, i, src[offset + i]);
                }
            }
        }
        doWrite(dst, rows, src, offset);
    }

    /** Copies the first {@code rows} rows of {@code src} into {@code dst[offset ... offset + rows * src.cols())}. */
    public final void read(Matrix src, int rows, float[] dst, int offset) {
        checkTransfer("read", false, src, "src", rows, dst == null ? -1 : dst.length, offset);
        doRead(src, rows, dst, offset);
    }

    /** As {@link #read(Matrix, int, float[], int)} into doubles. */
    public final void read(Matrix src, int rows, double[] dst, int offset) {
        checkTransfer("read", false, src, "src", rows, dst == null ? -1 : dst.length, offset);
        doRead(src, rows, dst, offset);
    }

    /**
     * A dense layer's forward pass on the first {@code rows} rows, {@code A = f(X W^T + b)}: {@code X [>= rows x in]},
     * {@code W [out x in]}, {@code bias [1 x out]} or {@code null} for none, {@code A [>= rows x out]}; the same
     * values as {@link Backend#denseForward} on matrices of {@code rows} rows. {@code A} must not be {@code X},
     * {@code W} or {@code bias}.
     */
    public final void denseForward(int rows, Matrix x, Matrix w, Matrix bias, Activation f, Matrix a) {
        ensureOpen();
        Backend.nonNull("denseForward", "activation", f);
        backend.check(x, "X");
        backend.check(w, "W");
        backend.written(a, "A");
        Backend.samePrecision("denseForward", x, w, a);
        if (x.cols() != w.cols() || a.cols() != w.rows()) {
            throw new IllegalArgumentException("denseForward shape mismatch: X " + x.shape() + ", W " + w.shape()
                    + ", A " + a.shape() + "; need X [n x in], W [out x in], A [n x out]");
        }
        if (rows <= 0 || rows > x.rows() || rows > a.rows()) {
            throw new IllegalArgumentException("denseForward: rows must be in [1, " + Math.min(x.rows(), a.rows())
                    + "] for X " + x.shape() + " and A " + a.shape() + ", got " + rows);
        }
        if (bias != null) {
            backend.check(bias, "bias");
            Backend.samePrecision("denseForward", a, bias);
            if (bias.rows() != 1 || bias.cols() != w.rows()) {
                throw new IllegalArgumentException("denseForward: bias must be [1 x " + w.rows() + "] for W "
                        + w.shape() + ", got " + bias.shape());
            }
        }
        if (a == x || a == w || a == bias) {
            throw new IllegalArgumentException("denseForward: A must be a separate matrix from X, W and bias");
        }
        doDenseForward(rows, x, w, bias, f, a);
    }

    /** Releases what the context holds. Idempotent; the backend and its matrices stay open. */
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

    // ------------------------------------------------------------------ what a backend implements

    /** The first {@code rows} rows of {@code dst} from {@code src[offset...]}; arguments are checked. */
    protected abstract void doWrite(Matrix dst, int rows, float[] src, int offset);

    protected abstract void doWrite(Matrix dst, int rows, double[] src, int offset);

    /** The first {@code rows} rows of {@code src} into {@code dst[offset...]}; arguments are checked. */
    protected abstract void doRead(Matrix src, int rows, float[] dst, int offset);

    protected abstract void doRead(Matrix src, int rows, double[] dst, int offset);

    /** {@link #denseForward} on the first {@code rows} rows; arguments are checked. */
    protected abstract void doDenseForward(int rows, Matrix x, Matrix w, Matrix bias, Activation f, Matrix a);

    /** Releases native resources, if the context has any; by default nothing. */
    protected void doClose() {
    }

    // ------------------------------------------------------------------ checks

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("forward context of backend " + backend.name() + " is closed");
        }
    }

    /** Checks a copy of the first {@code rows} rows of {@code m} to or from an array; returns the value count. */
    private int checkTransfer(String op, boolean writes, Matrix m, String role, int rows, int length, int offset) {
        ensureOpen();
        if (writes) {
            backend.written(m, role);
        } else {
            backend.check(m, role);
        }
        if (rows <= 0 || rows > m.rows()) {
            throw new IllegalArgumentException(op + ": rows must be in [1, " + m.rows() + "] for " + m.shape()
                    + ", got " + rows);
        }
        if (length < 0) {
            throw new IllegalArgumentException(op + ": array is null");
        }
        long count = (long) rows * m.cols();
        if (offset < 0 || offset + count > length) {
            throw new IllegalArgumentException(op + " of " + rows + " rows of " + m.shape() + " needs " + count
                    + " elements from offset " + offset + ", but the array has length " + length);
        }
        return (int) count;
    }

    private static IllegalArgumentException notFinite(Matrix dst, int rows, int element, double value) {
        int cols = dst.cols();
        return new IllegalArgumentException("write of " + rows + " rows to " + dst.shape() + ": element " + element
                + " (row " + element / cols + ", column " + element % cols + ") is " + value
                + "; values must be finite");
    }
}
