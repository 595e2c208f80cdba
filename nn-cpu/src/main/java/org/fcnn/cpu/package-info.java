// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code cpu} backend: the kernels on the Java heap, in float64 and float32. Always available; the
 * lowest priority, so device backends win when present.
 *
 * <p>Matrix products are packed, cache-blocked and register-blocked, on the Vector API
 * ({@code jdk.incubator.vector}) when the JVM runs with {@code --add-modules jdk.incubator.vector}, in plain
 * Java otherwise ({@link org.fcnn.cpu.CpuKernels} decides at run time), split between a small fixed pool of
 * daemon threads (system property {@code fcnn.cpu.threads}, default the number of cores). Tiny products
 * stay on the calling thread without packing. A dense layer's passes are fused ({@link org.fcnn.cpu.FloatLayers}):
 * bias and activation in one pass after the product, the output error in one pass, and tiny layers (the
 * tutorial's) as one loop nest per pass; float32 sigmoid and tanh run on the Vector API when it is enabled.
 * Working memory is reused, so a steady training loop allocates nothing.
 *
 * <p>The Vector API kernels are shaped for the machine ({@link org.fcnn.cpu.KernelShape}: the register tile
 * follows the vector register file, the cache blocks the caches the OS reports). A plain-SGD step of a tiny
 * network runs as one step compiled for its sizes ({@link org.fcnn.cpu.CompiledSteps}).
 *
 * <p>Each {@code Double...} class is generated from its {@code Float...} twin and must not be edited by hand:
 * {@code sed -e 's/float32/float64/g; s/Float/Double/g; s/float/double/g; s/sgemm/dgemm/g' FloatX.java > DoubleX.java}
 * (for {@code FloatKernels}, {@code FloatLayers}, {@code FloatGemm}, {@code PlainFloatGemm}, {@code SmallFloatGemm},
 * {@code FloatGemmRunner}, {@code VectorFloatGemm}, {@code VectorFloatDots}, {@code FloatMicroKernel}, {@code VectorFloatKernel6x4},
 * {@code VectorFloatKernel6x2}, {@code FloatCompiledStep}). The {@code VectorFloatKernel...} micro-kernels are themselves written out by
 * {@code python3 nn-cpu/src/build/micro-kernel.py ROWS VECTORS}.
 */
package org.fcnn.cpu;
