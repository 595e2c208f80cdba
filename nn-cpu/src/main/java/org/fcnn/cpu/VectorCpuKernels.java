package org.fcnn.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;

/**
 * The Vector API kernels: {@link VectorFloatGemm}, {@link VectorDoubleGemm} and the float32 activations of
 * {@link VectorFloatActivations}. Instantiated reflectively by
 * {@link CpuKernels} only when {@code jdk.incubator.vector} is present; refuses vectors narrower than 128 bits.
 */
final class VectorCpuKernels extends CpuKernels {
    private final FloatGemm floatGemm = new VectorFloatGemm();
    private final DoubleGemm doubleGemm = new VectorDoubleGemm();
    private final int bits;

    VectorCpuKernels() {
        bits = VectorShape.preferredShape().vectorBitSize();
        if (bits < 128 || FloatVector.SPECIES_PREFERRED.length() < 4) {
            throw new UnsupportedOperationException("preferred vectors are only " + bits + " bits wide");
        }
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
    String description() {
        return "Vector API " + bits + "-bit kernels";
    }
}
