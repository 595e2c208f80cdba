// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import org.fcnn.spi.Matrix;

/** One argument of a {@link KernelCall}; a backend turns each into its API's argument. */
public sealed interface KernelArg {

    /** The parameter kind this argument fills. */
    ArgKind kind();

    /** The device memory of {@code matrix}. */
    record Buffer(Matrix matrix) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.BUFFER;
        }
    }

    /**
     * The backend's buffer of {@link Geometry#LOSS_GROUPS} partial sums in the call's precision, which
     * {@link KernelBackend#readLossPartials} reads back.
     */
    record LossPartials() implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.BUFFER;
        }
    }

    /** A 32-bit integer. */
    record Int(int value) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.INT;
        }
    }

    /** A scalar, passed as {@code float} or {@code double} by the call's precision. */
    record Real(double value) implements KernelArg {
        @Override
        public ArgKind kind() {
            return ArgKind.REAL;
        }
    }
}
