// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * Forward passes one call at a time, for backends without {@link org.fcnn.spi.ForwardContext}s (the device
 * backends, whose command queue runs the work in order anyway): a lock around each call, which writes the
 * inputs, runs {@link Backend#denseForward} per layer and reads the outputs, on matrices of exactly the batch
 * size. Working matrices are kept for the last {@value #SIZES} batch sizes, as a {@link Network} keeps them;
 * a call with another size allocates and frees some.
 */
final class SerialPasses extends ForwardPasses {
    static final int SIZES = 4;

    private final FrozenLayers layers;
    private final ReentrantLock lock = new ReentrantLock();
    /** Most recently used last. */
    private final List<Workspace> workspaces = new ArrayList<>();
    /** Set under the lock by {@link #shutDown()}; read under it by every call. */
    private boolean closing;

    SerialPasses(FrozenLayers layers) {
        this.layers = layers;
    }

    @Override
    boolean concurrent() {
        return false;
    }

    @Override
    void run(float[] inputs, int n, float[] outputs) {
        lock.lock();
        try {
            if (closing) {
                throw closed();
            }
            Workspace ws = workspace(n);
            layers.backend.write(ws.input, inputs, 0);
            layers.backend.read(ws.forward(), outputs, 0);
        } finally {
            lock.unlock();
        }
    }

    @Override
    void run(double[] inputs, int n, double[] outputs) {
        lock.lock();
        try {
            if (closing) {
                throw closed();
            }
            Workspace ws = workspace(n);
            layers.backend.write(ws.input, inputs, 0);
            layers.backend.read(ws.forward(), outputs, 0);
        } finally {
            lock.unlock();
        }
    }

    private Workspace workspace(int n) {
        int last = workspaces.size() - 1;
        if (last >= 0 && workspaces.get(last).n == n) {
            return workspaces.get(last);
        }
        for (int i = 0; i < last; i++) {
            if (workspaces.get(i).n == n) {
                Workspace ws = workspaces.remove(i);
                workspaces.add(ws);
                return ws;
            }
        }
        if (workspaces.size() == SIZES) {
            workspaces.remove(0).close();
        }
        Workspace ws = new Workspace(n);
        workspaces.add(ws);
        return ws;
    }

    @Override
    boolean shutDown() {
        lock.lock(); // waits for the call that holds it
        try {
            closing = true;
        } finally {
            lock.unlock();
        }
        return false;
    }

    @Override
    void close() {
        lock.lock();
        try {
            workspaces.forEach(Workspace::close);
            workspaces.clear();
        } finally {
            lock.unlock();
        }
    }

    /** {@code X [n x in]} and per layer {@code A_i [n x out_i]}. */
    private final class Workspace {
        final int n;
        final Matrix input;
        final Matrix[] activations;

        Workspace(int n) {
            this.n = n;
            Backend backend = layers.backend;
            this.activations = new Matrix[layers.count()];
            this.input = backend.allocate(n, layers.inputSize(), layers.precision);
            try {
                for (int i = 0; i < activations.length; i++) {
                    activations[i] = backend.allocate(n, layers.sizes[i + 1], layers.precision);
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        Matrix forward() {
            Matrix in = input;
            for (int i = 0; i < activations.length; i++) {
                layers.backend.denseForward(in, layers.weights[i], layers.biases[i], layers.activations[i],
                        activations[i]);
                in = activations[i];
            }
            return in;
        }

        void close() {
            input.close();
            for (Matrix a : activations) {
                if (a != null) {
                    a.close();
                }
            }
        }
    }
}
