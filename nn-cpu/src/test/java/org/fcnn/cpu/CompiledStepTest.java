// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.DenseStack;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Steps compiled for a network's sizes ({@link CompiledSteps}) give the same bits as the generic fused
 * step ({@link FloatLayers#sgdStep}, {@link DoubleLayers#sgdStep}), which gives the same as the
 * composed calls (the conformance suite's {@code sgdStepEqualsItsComposition}): every output, error,
 * gradient and parameter, over several steps, for each activation, loss, bias mode and depth.
 */
class CompiledStepTest {
    private static final FloatGemmRunner FLOAT_GEMM = new FloatGemmRunner(CpuKernels.get().floatGemm(),
            new Scratch[] {new Scratch()}, new CpuThreads(1));
    private static final DoubleGemmRunner DOUBLE_GEMM = new DoubleGemmRunner(CpuKernels.get().doubleGemm(),
            new Scratch[] {new Scratch()}, new CpuThreads(1));
    private static final Activation[] HIDDEN = {Activation.SIGMOID, Activation.TANH, Activation.RELU, Activation.IDENTITY};

    @ParameterizedTest
    @EnumSource(Precision.class)
    void compiledStepsEqualTheGenericFusedStepBitForBit(Precision p) {
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(1))) {
            int cases = 0;
            for (int layers = 1; layers <= 4; layers++) {
                for (Activation hidden : HIDDEN) {
                    for (int bias = 0; bias < 3; bias++) {
                        for (Loss loss : Loss.values()) {
                            int[] sizes = new int[layers + 1];
                            Activation[] f = new Activation[layers];
                            Random r = new Random(cases);
                            for (int i = 0; i <= layers; i++) {
                                sizes[i] = 1 + r.nextInt(4);
                            }
                            for (int i = 0; i < layers; i++) {
                                f[i] = i == layers - 1 ? (loss == Loss.SOFTMAX_CROSS_ENTROPY ? Activation.SOFTMAX : hidden)
                                        : hidden;
                            }
                            int n = 1 + cases % 3;
                            compare(backend, p, sizes, f, loss, n, bias, cases);
                            cases++;
                        }
                    }
                }
            }
            assertEquals(96, cases);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void oneClassPerShapeAndNoneForDeeperStacks(Precision p) {
        try (CpuBackend backend = new CpuBackend(CpuKernels.get(), new CpuThreads(1))) {
            Activation[] f = {Activation.SIGMOID, Activation.SIGMOID};
            Fixture a = new Fixture(backend, p, new int[] {2, 2, 2}, f, 1, 1, 1);
            Fixture b = new Fixture(backend, p, new int[] {2, 2, 2}, f, 1, 1, 2);
            CompiledSteps.Step sa = CompiledSteps.bind(a.stack, Loss.SQUARED_ERROR);
            CompiledSteps.Step sb = CompiledSteps.bind(b.stack, Loss.SQUARED_ERROR);
            assertNotNull(sa);
            assertNotSame(sa, sb, "one step object per stack");
            assertEquals(sa.getClass(), sb.getClass(), "one hidden class per shape");
            Fixture deep = new Fixture(backend, p, new int[] {2, 2, 2, 2, 2, 2}, new Activation[] {Activation.TANH,
                Activation.TANH, Activation.TANH, Activation.TANH, Activation.SIGMOID}, 1, 1, 3);
            assertNull(CompiledSteps.bind(deep.stack, Loss.SQUARED_ERROR), "more than 4 layers");
            a.close();
            b.close();
            deep.close();
        }
    }

    private static void compare(CpuBackend backend, Precision p, int[] sizes, Activation[] f, Loss loss, int n,
                                int bias, long seed) {
        Fixture generic = new Fixture(backend, p, sizes, f, n, bias, seed);
        Fixture compiled = new Fixture(backend, p, sizes, f, n, bias, seed);
        CompiledSteps.Step step = CompiledSteps.bind(compiled.stack, loss);
        assertNotNull(step, "a step for " + java.util.Arrays.toString(sizes));
        for (int s = 0; s < 3; s++) {
            double wd = s == 2 ? 0.01 : 0;
            double e1 = p == Precision.FLOAT64
                    ? DoubleLayers.sgdStep(DOUBLE_GEMM, CpuKernels.get(), generic.stack, loss, 0.3, wd)
                    : FloatLayers.sgdStep(FLOAT_GEMM, CpuKernels.get(), generic.stack, loss, 0.3f, (float) wd);
            double e2 = step.run(0.3, wd);
            String what = p + " " + java.util.Arrays.toString(sizes) + " " + java.util.Arrays.toString(f) + " " + loss
                    + " n=" + n + " bias=" + bias + " step " + s;
            assertEquals(e1, e2, 0, what + ": loss");
            for (int i = 0; i < generic.all.size(); i++) {
                assertArrayEquals(generic.all.get(i).toArray(), compiled.all.get(i).toArray(), 0,
                        what + ": matrix " + i);
            }
        }
        generic.close();
        compiled.close();
    }

    /** A stack's matrices filled from a seed. */
    private static final class Fixture {
        final List<Matrix> all = new ArrayList<>();
        final DenseStack stack;

        Fixture(CpuBackend backend, Precision p, int[] sizes, Activation[] f, int n, int biasMode, long seed) {
            Random r = new Random(seed);
            int layers = sizes.length - 1;
            Matrix x = keep(random(backend, r, n, sizes[0], p, false));
            Matrix t = keep(random(backend, r, n, sizes[layers], p, true));
            Matrix[] w = new Matrix[layers];
            Matrix[] b = new Matrix[layers];
            Matrix[] a = new Matrix[layers];
            Matrix[] d = new Matrix[layers];
            Matrix[] dW = new Matrix[layers];
            Matrix[] db = new Matrix[layers];
            for (int i = 0; i < layers; i++) {
                w[i] = keep(random(backend, r, sizes[i + 1], sizes[i], p, false));
                b[i] = biasMode == 0 ? null : keep(random(backend, r, 1, sizes[i + 1], p, false));
                db[i] = biasMode == 2 ? keep(backend.allocate(1, sizes[i + 1], p)) : null;
                a[i] = keep(backend.allocate(n, sizes[i + 1], p));
                d[i] = keep(backend.allocate(n, sizes[i + 1], p));
                dW[i] = keep(backend.allocate(sizes[i + 1], sizes[i], p));
            }
            stack = new DenseStack(x, t, w, b, f, a, d, dW, db);
        }

        private Matrix keep(Matrix m) {
            all.add(m);
            return m;
        }

        private static Matrix random(CpuBackend backend, Random r, int rows, int cols, Precision p, boolean positive) {
            Matrix m = backend.allocate(rows, cols, p);
            double[] v = new double[rows * cols];
            for (int i = 0; i < v.length; i++) {
                v[i] = positive ? r.nextDouble() : 2 * r.nextDouble() - 1;
            }
            backend.write(m, v, 0);
            return m;
        }

        void close() {
            all.forEach(Matrix::close);
        }
    }
}
