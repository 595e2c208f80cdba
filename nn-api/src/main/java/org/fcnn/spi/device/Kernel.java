// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The kernels of {@code nn_kernels.body} with their parameter lists, in the body's order: the one table that
 * {@link KernelLaunch} checks every argument against and that the CUDA module's tests compare with the
 * {@code .entry} declarations of the committed PTX. Change it together with the body.
 */
public enum Kernel {
    /** {@code C [m x n] = alpha op(A) op(B) + beta C}; {@link Geometry.GemmTiles}. */
    GEMM("buffer A, buffer B, buffer C, int m, int n, int k, int lda, int ldb, int transA, int transB,"
            + " real alpha, real beta, int rowBlock0"),
    /** {@code z [rows x cols] += bias [1 x cols]}; element-wise over {@code n = rows * cols}. */
    ADD_ROW_VECTOR("buffer z, buffer bias, int n, int cols"),
    /** {@code out [1 x cols] = column sums of a [rows x cols]}; {@link Geometry.ColumnTiles}. */
    COLUMN_SUMS("buffer a, buffer out, int rows, int cols"),
    FILL("buffer x, real value, int n"),
    SIGMOID("buffer z, buffer a, int n"),
    TANH_ACT("buffer z, buffer a, int n"),
    RELU("buffer z, buffer a, int n"),
    /** In the body and the PTX, but not called: copies are memory operations of each backend. */
    COPY("buffer src, buffer dst, int n"),
    SIGMOID_GRADIENT("buffer a, buffer dA, buffer dZ, int n"),
    TANH_GRADIENT("buffer a, buffer dA, buffer dZ, int n"),
    RELU_GRADIENT("buffer a, buffer dA, buffer dZ, int n"),
    MULTIPLY("buffer a, buffer b, buffer out, int n"),
    DIFFERENCE("buffer o, buffer t, buffer grad, real invRows, int n"),
    /** {@code a = f(a + bias)} after a dense layer's product; element-wise, {@code act} an element-wise activation's code. */
    BIAS_ACTIVATE("buffer a, buffer bias, int hasBias, int act, int n, int cols"),
    /** {@code delta = (o - t) invRows f'(o)}: the output layer's error; element-wise. */
    OUTPUT_DELTA("buffer o, buffer t, buffer delta, real invRows, int act, int n"),
    /** {@code d = (d mask) f'(a)}: the error carried to the layer below; element-wise. */
    MASK_DERIVE("buffer d, buffer mask, int hasMask, buffer a, int act, int n"),
    DROPOUT("buffer a, buffer mask, buffer out, int threshold, real scale, int seed, int n"),
    /** Per row of {@code z [rows x cols]}; {@link Geometry.Rows}, one group per row. */
    SOFTMAX("buffer z, buffer a, int cols"),
    SOFTMAX_GRADIENT("buffer a, buffer dA, buffer dZ, int cols"),
    /** One partial sum per group; {@link Geometry.Rows}, one group per partial, {@code stride = groups * ROW_LANES}. */
    LOSS_PARTIALS("buffer o, buffer t, buffer partial, int kind, int n, int stride"),
    SGD_UPDATE("buffer p, buffer g, real lr, real wd, int n"),
    MOMENTUM_UPDATE("buffer p, buffer g, buffer v, real lr, real mu, real wd, int n"),
    ADAM_UPDATE("buffer p, buffer g, buffer m, buffer v, real stepSize, real b1, real b2, real eps, real c2,"
            + " real wd, int n");

    private final String signature;
    private final List<ArgKind> parameters;
    private final String entry = name().toLowerCase(Locale.ROOT);

    Kernel(String signature) {
        this.signature = signature;
        List<ArgKind> kinds = new ArrayList<>();
        for (String parameter : signature.split(",")) {
            kinds.add(ArgKind.valueOf(parameter.trim().split(" ")[0].toUpperCase(Locale.ROOT)));
        }
        this.parameters = Collections.unmodifiableList(kinds);
    }

    /** The entry point's name in the body, the OpenCL program and the PTX: {@code gemm}, {@code sgd_update}. */
    public String entry() {
        return entry;
    }

    /** The kinds of the parameters, in order. */
    public List<ArgKind> parameters() {
        return parameters;
    }

    /** The parameter list with names, as in the body: {@code buffer p, buffer g, real lr, ...}. */
    public String signature() {
        return signature;
    }

    @Override
    public String toString() {
        return entry();
    }
}
