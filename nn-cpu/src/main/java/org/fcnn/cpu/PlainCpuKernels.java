// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/** The plain-Java kernels: {@link PlainFloatGemm}, {@link PlainDoubleGemm} and the scalar activations of {@link FloatKernels}. */
final class PlainCpuKernels extends CpuKernels {
    private final FloatGemm floatGemm = new PlainFloatGemm();
    private final DoubleGemm doubleGemm = new PlainDoubleGemm();
    private final String description;

    PlainCpuKernels(String description) {
        this.description = description;
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
        FloatKernels.biasSigmoid(a, rows, cols, bias);
    }

    @Override
    void tanh(float[] a, int rows, int cols, float[] bias) {
        FloatKernels.biasTanh(a, rows, cols, bias);
    }

    @Override
    String description() {
        return description;
    }
}
