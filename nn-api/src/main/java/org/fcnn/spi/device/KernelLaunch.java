// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import java.util.ArrayList;
import java.util.List;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;

/**
 * Composes one {@link KernelCall}: the arguments in the kernel's parameter order, then one geometry terminal,
 * which hands the call to {@link KernelBackend#launch}. Each argument is checked against
 * {@link Kernel#parameters()} as it is added, and the count at the terminal, so a call that does not fit its
 * kernel fails in Java, on every backend, before any native call.
 */
final class KernelLaunch {
    private final KernelBackend backend;
    private final Kernel kernel;
    private final Precision precision;
    private final List<KernelArg> args = new ArrayList<>();

    KernelLaunch(KernelBackend backend, Kernel kernel, Precision precision) {
        this.backend = backend;
        this.kernel = kernel;
        this.precision = precision;
    }

    /** A matrix's buffer; it must have the call's precision. */
    KernelLaunch buffer(Matrix m) {
        if (m.precision() != precision) {
            throw new IllegalArgumentException(backend.name() + ": kernel " + kernel.entry() + ": operand "
                    + m.shape() + " is not " + precision);
        }
        return add(new KernelArg.Buffer(m));
    }

    /** The backend's buffer of loss partial sums (see {@link KernelBackend#readLossPartials}). */
    KernelLaunch lossPartials() {
        return add(new KernelArg.LossPartials());
    }

    KernelLaunch real(double value) {
        return add(new KernelArg.Real(value));
    }

    KernelLaunch integer(int value) {
        return add(new KernelArg.Int(value));
    }

    /** Launches over {@code n} elements; see {@link Geometry.Elementwise}. */
    void elementwise(int n) {
        launch(new Geometry.Elementwise(n));
    }

    /** Launches {@code groups} groups of {@code ROW_LANES}; see {@link Geometry.Rows}. */
    void rows(int groups) {
        launch(new Geometry.Rows(groups));
    }

    /** Launches over the columns of a matrix with {@code cols} columns; see {@link Geometry.ColumnTiles}. */
    void columnTiles(int cols) {
        launch(new Geometry.ColumnTiles(cols));
    }

    /** Launches over the tiles of {@code C [m x n]}; see {@link Geometry.GemmTiles}. */
    void gemmTiles(int m, int n) {
        launch(new Geometry.GemmTiles(m, n));
    }

    private KernelLaunch add(KernelArg arg) {
        List<ArgKind> params = kernel.parameters();
        int index = args.size();
        if (index >= params.size() || params.get(index) != arg.kind()) {
            throw new IllegalStateException(backend.name() + ": kernel " + kernel.entry() + ": argument " + index
                    + " is " + arg.kind() + " but the kernel's parameters are (" + kernel.signature() + ")");
        }
        args.add(arg);
        return this;
    }

    private void launch(Geometry geometry) {
        if (args.size() != kernel.parameters().size()) {
            throw new IllegalStateException(backend.name() + ": kernel " + kernel.entry() + " takes "
                    + kernel.parameters().size() + " arguments (" + kernel.signature() + "), got " + args.size());
        }
        if (geometry.groupsX() < 1 || geometry.groupsY() < 1) {
            throw new IllegalArgumentException(backend.name() + ": kernel " + kernel.entry() + ": empty " + geometry);
        }
        backend.launch(new KernelCall(kernel, precision, args, geometry));
    }
}
