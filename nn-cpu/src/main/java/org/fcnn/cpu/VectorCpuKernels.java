// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;


/**
 * The Vector API kernels: {@link VectorFloatGemm}, {@link VectorDoubleGemm} and the float32 activations of
 * {@link VectorFloatActivations}. Instantiated reflectively by
 * {@link CpuKernels} only when {@code jdk.incubator.vector} is present; refuses vectors narrower than 128 bits.
 * The register tile and vector width are {@link VectorShapes#SHAPE}'s, the cache blocks are sized from
 * this machine's caches ({@link CacheSizes}, {@link CacheBlocks}), per precision.
 */
final class VectorCpuKernels extends CpuKernels {
    private final KernelShape shape;
    private final CacheSizes caches;
    private final VectorFloatGemm floatGemm;
    private final VectorDoubleGemm doubleGemm;

    VectorCpuKernels() {
        shape = VectorShapes.SHAPE;
        if (shape.vectorBits() < 128 || VectorShapes.floatSpecies().length() < 4) {
            throw new UnsupportedOperationException("vectors are only " + shape.vectorBits() + " bits wide");
        }
        caches = CacheSizes.detect();
        FloatMicroKernel floatKernel = VectorShapes.floatKernel();
        DoubleMicroKernel doubleKernel = VectorShapes.doubleKernel();
        floatGemm = new VectorFloatGemm(floatKernel,
                CacheBlocks.of(caches, Float.BYTES, floatKernel.rows(), floatKernel.columns()));
        doubleGemm = new VectorDoubleGemm(doubleKernel,
                CacheBlocks.of(caches, Double.BYTES, doubleKernel.rows(), doubleKernel.columns()));
    }

    @Override
    FloatGemm floatGemm() {
        return floatGemm;
    }

    @Override
    DoubleGemm doubleGemm() {
        return doubleGemm;
    }

    @Override
    void sigmoid(float[] a, int rows, int cols, float[] bias) {
        VectorFloatActivations.sigmoid(a, rows, cols, bias);
    }

    @Override
    void tanh(float[] a, int rows, int cols, float[] bias) {
        VectorFloatActivations.tanh(a, rows, cols, bias);
    }

    @Override
    String boxingReason() {
        int hardware = VectorShapes.hardwareBits();
        return shape.vectorBits() > hardware ? shape.vectorBits() + "-bit vectors are forced (" + KernelShape.BITS_PROPERTY
                + ") on hardware whose widest are " + hardware + " bits: the JIT boxes them" : null;
    }

    @Override
    String description() {
        String reason = boxingReason();
        return "Vector API " + shape.vectorBits() + "-bit kernels (" + shape.rows() + "x" + shape.vectors()
                + " tile" + (shape.forced() ? ", forced" : "") + (reason == null ? "" : ", slow: " + reason)
                + ", blocks float32 " + floatGemm.blocks()
                + " / float64 " + doubleGemm.blocks() + ", " + caches + ")";
    }
}
