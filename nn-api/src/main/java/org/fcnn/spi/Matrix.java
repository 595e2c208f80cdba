// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import org.fcnn.api.Precision;

/**
 * A dense row-major matrix {@code [rows x cols]} held by a {@link Backend}, in that backend's memory
 * (the Java heap, an OpenCL buffer, CUDA device memory). Made by {@link Backend#allocate}, filled and read
 * through the backend, and released by {@link #close()}.
 *
 * <p>A matrix is used only with the backend that made it and only until it is closed; the backend checks
 * both before every operation. Not thread-safe, like its backend.
 */
public abstract class Matrix implements AutoCloseable {
    private final Backend backend;
    private final int rows;
    private final int cols;
    private final Precision precision;
    private boolean closed;
    private boolean frozen;

    /** Called by backends only, from {@link Backend#doAllocate}. */
    protected Matrix(Backend backend, int rows, int cols, Precision precision) {
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
    }

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** {@code rows * cols}; the backend guarantees it fits an {@code int}. */
    public final int size() {
        return rows * cols;
    }

    public final Precision precision() {
        return precision;
    }

    /** Bytes of backend memory this matrix holds. */
    public final long bytes() {
        return (long) size() * precision.bytes();
    }

    public final Backend backend() {
        return backend;
    }

    public final boolean isClosed() {
        return closed;
    }

    /**
     * Whether {@link Backend#freeze} made this matrix read-only: it may still be read and used as an operand,
     * but writing it, or passing it where an operation writes, throws {@link IllegalStateException}.
     */
    public final boolean isFrozen() {
        return frozen;
    }

    /** Marks the matrix read-only; called once, by {@link Backend#freeze}. */
    final void markFrozen() {
        frozen = true;
    }

    /** {@code [rows x cols] precision}, as used in error messages. */
    public final String shape() {
        return "[" + rows + " x " + cols + "] " + precision.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Copies the matrix into a new row-major {@code double[rows * cols]}. */
    public final double[] toArray() {
        double[] out = new double[size()];
        backend.read(this, out, 0);
        return out;
    }

    /** Releases the backend memory. Idempotent. */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            backend.release(this);
        }
    }

    /** Frees the backend memory; called once, by {@link #close()}. */
    protected abstract void free();

    @Override
    public String toString() {
        return "Matrix" + shape() + (closed ? " (closed)" : "") + (frozen ? " (frozen)" : "") + " on " + backend.name();
    }
}
