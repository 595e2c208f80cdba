// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link KernelShape} this JVM's Vector API kernels use, and its species, decided once when the class
 * is loaded. The species are {@code static final} so that C2 treats them, and the lengths derived from
 * them in the kernels, as constants. Loaded only with the Vector API kernels (see {@link CpuKernels}).
 */
final class VectorShapes {
    /** The shape: preferred width and tile unless a system property forces them (see {@link KernelShape}). */
    static final KernelShape SHAPE = KernelShape.choose(VectorShape.preferredShape().vectorBitSize(),
            System.getProperty("os.arch"), System.getProperty(KernelShape.BITS_PROPERTY),
            System.getProperty(KernelShape.TILE_PROPERTY));
    private static final VectorSpecies<Float> FLOAT = VectorSpecies.of(float.class,
            VectorShape.forBitSize(SHAPE.vectorBits()));
    private static final VectorSpecies<Double> DOUBLE = VectorSpecies.of(double.class,
            VectorShape.forBitSize(SHAPE.vectorBits()));

    private VectorShapes() {
    }

    /** The widest vectors this JVM compiles to vector instructions on this hardware, in bits. */
    static int hardwareBits() {
        return VectorShape.preferredShape().vectorBitSize();
    }

    /** float32 vectors of the shape's width (callers keep it in a {@code static final} field). */
    static VectorSpecies<Float> floatSpecies() {
        return FLOAT;
    }

    /** float64 vectors of the shape's width (callers keep it in a {@code static final} field). */
    static VectorSpecies<Double> doubleSpecies() {
        return DOUBLE;
    }

    /** The float32 micro-kernel of the shape's tile. */
    static FloatMicroKernel floatKernel() {
        return SHAPE.vectors() == 4 ? new VectorFloatKernel6x4() : new VectorFloatKernel6x2();
    }

    /** The float64 micro-kernel of the shape's tile. */
    static DoubleMicroKernel doubleKernel() {
        return SHAPE.vectors() == 4 ? new VectorDoubleKernel6x4() : new VectorDoubleKernel6x2();
    }
}
