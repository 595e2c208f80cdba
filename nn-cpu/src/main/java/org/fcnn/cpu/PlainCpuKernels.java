package org.fcnn.cpu;

/** The plain-Java kernels: {@link PlainFloatGemm} and {@link PlainDoubleGemm}. */
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
    String description() {
        return description;
    }
}
