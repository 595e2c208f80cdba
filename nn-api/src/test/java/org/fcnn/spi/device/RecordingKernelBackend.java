// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;

/**
 * A {@link KernelBackend} with no device: matrices hold no data, {@link #launch} records each
 * {@link KernelCall}, {@link #doCopy} records a copy, and the loss partials read back as {@link #partial}.
 * Used to check the calls {@link KernelBackend} composes (kernels, argument kinds and values, geometry)
 * where no device runs them, such as the CUDA module without a GPU. Part of nn-api's test jar.
 */
public final class RecordingKernelBackend extends KernelBackend {
    /** The kernel calls made so far, in order. */
    public final List<KernelCall> calls = new ArrayList<>();
    /** The copies made so far, as {@code "copy <src shape> -> <dst shape>"}. */
    public final List<String> copies = new ArrayList<>();
    /** The value every loss partial sum reads back as. */
    public double partial = 1;
    /** The counts {@link #readLossPartials} was asked for, in order. */
    public final List<Integer> partialReads = new ArrayList<>();

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public String device() {
        return "no device";
    }

    @Override
    public boolean supports(Precision precision) {
        return true;
    }

    /**
     * Calls every kernel operation of the SPI in {@code precision}: gemm in its four transpositions, every
     * activation forward and backward, every loss and its gradient, dropout, multiply, fill and the three
     * optimizers' updates, on small matrices (a batch of 5 rows, 7 inputs, 3 outputs).
     */
    public void runEveryOperation(Precision precision) {
        Matrix x = allocate(5, 7, precision);
        Matrix w = allocate(3, 7, precision);
        Matrix dw = allocate(3, 7, precision);
        Matrix z = allocate(5, 3, precision);
        Matrix a = allocate(5, 3, precision);
        Matrix t = allocate(5, 3, precision);
        Matrix dz = allocate(5, 3, precision);
        Matrix bias = allocate(1, 3, precision);
        Matrix xt = allocate(7, 5, precision);
        Matrix m = allocate(3, 7, precision);
        Matrix v = allocate(3, 7, precision);
        gemm(false, true, 1, x, w, 0, z);
        gemm(true, false, 1, dz, x, 0, dw);
        gemm(false, false, 1, dz, w, 0, x);
        gemm(true, true, 0.5, xt, w, 1, z);
        addRowVector(z, bias);
        columnSums(dz, bias);
        for (Activation f : Activation.values()) {
            activate(f, z, a);
            activationGradient(f, a, dz, dz);
        }
        for (Loss loss : Loss.values()) {
            loss(loss, a, t);
            lossGradient(loss, a, t, dz);
        }
        denseForward(x, w, bias, Activation.SIGMOID, a);
        denseForward(x, w, null, Activation.SOFTMAX, a);
        outputDelta(Loss.SQUARED_ERROR, Activation.TANH, a, t, dz);
        outputDelta(Loss.SOFTMAX_CROSS_ENTROPY, Activation.SOFTMAX, a, t, dz);
        denseGradients(dz, x, dw, bias);
        Matrix below = allocate(5, 7, precision);
        Matrix mask = allocate(5, 7, precision);
        backpropagate(dz, w, mask, Activation.RELU, below, x);
        backpropagate(dz, w, null, Activation.SIGMOID, below, x);
        below.close();
        mask.close();
        dropout(a, dz, a, 0.25, 42);
        multiply(a, dz, a);
        fill(w, 0.5);
        sgdUpdate(w, dw, 0.1, 0.01);
        momentumUpdate(w, dw, v, 0.1, 0.9, 0.01);
        adamUpdate(w, dw, m, v, 0.001, 0.9, 0.999, 1e-8, 3, 0.01);
        for (Matrix each : List.of(x, w, dw, z, a, t, dz, bias, xt, m, v)) {
            each.close();
        }
    }

    @Override
    protected void launch(KernelCall call) {
        calls.add(call);
    }

    @Override
    protected double[] readLossPartials(Matrix output, int count) {
        partialReads.add(count);
        double[] sums = new double[count];
        Arrays.fill(sums, partial);
        return sums;
    }

    @Override
    protected Matrix doAllocate(int rows, int cols, Precision precision) {
        return new Matrix(this, rows, cols, precision) {
            @Override
            protected void free() {
            }
        };
    }

    @Override
    protected void upload(Matrix dst, double[] src, int offset) {
    }

    @Override
    protected void upload(Matrix dst, float[] src, int offset) {
    }

    @Override
    protected void download(Matrix src, double[] dst, int offset) {
    }

    @Override
    protected void download(Matrix src, float[] dst, int offset) {
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        copies.add("copy " + src.shape() + " -> " + dst.shape());
    }

    @Override
    protected void doClose() {
    }
}
