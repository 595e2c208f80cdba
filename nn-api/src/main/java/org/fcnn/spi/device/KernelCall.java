// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;

/**
 * One composed kernel call, ready to launch: the kernel, the precision of its program (or PTX module), its
 * arguments (checked against {@link Kernel#parameters()}: same kinds, same count; every buffer of this
 * precision) and its geometry. Immutable.
 */
public record KernelCall(Kernel kernel, Precision precision, List<KernelArg> args, Geometry geometry) {

    public KernelCall {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(geometry, "geometry");
        args = List.copyOf(args);
    }

    /** The kinds of the arguments, in order; equal to {@code kernel().parameters()}. */
    public List<ArgKind> argKinds() {
        List<ArgKind> kinds = new ArrayList<>(args.size());
        for (KernelArg a : args) {
            kinds.add(a.kind());
        }
        return kinds;
    }

    /** The matrices among the arguments, in order: what error messages name. */
    public List<Matrix> operands() {
        List<Matrix> out = new ArrayList<>();
        for (KernelArg a : args) {
            if (a instanceof KernelArg.Buffer b) {
                out.add(b.matrix());
            }
        }
        return out;
    }

    /** {@code kernel gemm (FLOAT32) on [2 x 3] float32, ...}, for error messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder("kernel ").append(kernel.entry()).append(" (").append(precision)
                .append(") on ");
        String sep = "";
        for (Matrix m : operands()) {
            sb.append(sep).append(m.shape());
            sep = ", ";
        }
        return sb.toString();
    }

    /**
     * This {@link Kernel#GEMM} call restricted to the tile rows from {@code first} on: its last argument,
     * {@code rowBlock0}, set to {@code first}. The caller launches it with at most the remaining tile rows.
     */
    public KernelCall withFirstTileRow(int first) {
        if (kernel != Kernel.GEMM || first < 0 || first >= geometry.groupsY()) {
            throw new IllegalArgumentException("withFirstTileRow(" + first + ") on " + describe() + " with "
                    + geometry);
        }
        List<KernelArg> moved = new ArrayList<>(args);
        moved.set(moved.size() - 1, new KernelArg.Int(first));
        return new KernelCall(kernel, precision, moved, geometry);
    }
}
