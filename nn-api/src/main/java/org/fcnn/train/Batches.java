// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import org.fcnn.api.Network;
import org.fcnn.data.Dataset;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * The reusable memory for running a network batch by batch over a dataset: a host array for one batch's outputs and
 * backend matrices for the full batch size and for one smaller (last) batch size. Allocated once per run, so
 * the loop itself allocates nothing.
 */
final class Batches implements AutoCloseable {
    final Network net;
    final Backend backend;
    final int batchSize;
    final float[] out;
    private final Matrix[] inputs = new Matrix[2];
    private final Matrix[] targets = new Matrix[2];
    private int tailRows;

    Batches(Network net, int batchSize) {
        this.net = net;
        this.backend = net.backend();
        this.batchSize = batchSize;
        this.out = new float[Math.multiplyExact(batchSize, net.outputSize())];
    }

    /** Copies rows {@code order[start, start+n)} of {@code data} to the backend; returns the input matrix. */
    Matrix load(Dataset data, int[] order, int start, int n) {
        int slot = slot(n);
        data.load(backend, order, start, inputs[slot], targets[slot]);
        return inputs[slot];
    }

    /** The target matrix matching the last {@link #load} of {@code n} rows. */
    Matrix target(int n) {
        return targets[slot(n)];
    }

    /** The output of the last forward pass run through these buffers. */
    Matrix lastOutput;

    /** Copies an output matrix of {@code n} rows into {@link #out}. */
    void read(Matrix output) {
        backend.read(output, out, 0);
    }

    /** Copies {@link #lastOutput} into {@link #out}. */
    void readOutput() {
        backend.read(lastOutput, out, 0);
    }

    private int slot(int n) {
        if (n == batchSize) {
            if (inputs[0] == null) {
                inputs[0] = backend.allocate(n, net.inputSize(), net.precision());
                targets[0] = backend.allocate(n, net.outputSize(), net.precision());
            }
            return 0;
        }
        if (inputs[1] == null || tailRows != n) {
            closeSlot(1);
            inputs[1] = backend.allocate(n, net.inputSize(), net.precision());
            targets[1] = backend.allocate(n, net.outputSize(), net.precision());
            tailRows = n;
        }
        return 1;
    }

    /** The index of the largest of the first {@code k} values of row {@code row} of {@link #out}. */
    int argmax(int row, int k) {
        int base = row * k;
        int best = 0;
        float max = out[base];
        for (int j = 1; j < k; j++) {
            if (out[base + j] > max) {
                max = out[base + j];
                best = j;
            }
        }
        return best;
    }

    private void closeSlot(int i) {
        if (inputs[i] != null) {
            inputs[i].close();
            targets[i].close();
            inputs[i] = null;
            targets[i] = null;
        }
    }

    @Override
    public void close() {
        if (!backend.isClosed()) {
            closeSlot(0);
            closeSlot(1);
        }
    }
}
