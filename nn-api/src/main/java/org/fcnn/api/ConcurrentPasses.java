// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.fcnn.spi.Backend;
import org.fcnn.spi.ForwardContext;
import org.fcnn.spi.Matrix;

/**
 * Forward passes that run at the same time, on a striped pool of lanes: a lane is one
 * {@link ForwardContext} with its own input and activation matrices, sized by the largest batch it has run,
 * and is used by one call at a time. A call claims a free lane (first trying the slot its thread hashes to,
 * so that a thread keeps finding the lane it warmed up), makes one in an empty slot if every lane is busy,
 * and waits (spinning briefly, then yielding) when all {@code slots} lanes are busy. Claiming and releasing
 * are a compare-and-set and a store on the lane's flag: a warm call allocates nothing and takes no lock.
 * Lanes allocate and free their matrices under one lock, the backend's own methods serving one thread at a
 * time; a lane only grows when a call brings a larger batch than it has seen.
 */
final class ConcurrentPasses extends ForwardPasses {
    private static final int SPINS = 64;

    private final FrozenLayers layers;
    private final AtomicReferenceArray<Lane> lanes;
    private final int mask;
    /** Guards the backend's own methods (allocating and closing matrices), called by lanes on many threads. */
    private final Object allocation = new Object();

    /**
     * @param first a context of {@code layers.backend}, for the first lane
     * @param slots the most lanes, a power of two
     */
    ConcurrentPasses(FrozenLayers layers, ForwardContext first, int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
        this.layers = layers;
        this.lanes = new AtomicReferenceArray<>(slots);
        this.mask = slots - 1;
        lanes.set(0, new Lane(first));
    }

    @Override
    boolean concurrent() {
        return true;
    }

    @Override
    void run(float[] inputs, int n, float[] outputs) {
        Lane lane = claim();
        try {
            lane.run(inputs, n, outputs);
        } finally {
            lane.release();
        }
    }

    @Override
    void run(double[] inputs, int n, double[] outputs) {
        Lane lane = claim();
        try {
            lane.run(inputs, n, outputs);
        } finally {
            lane.release();
        }
    }

    /** A free lane, now claimed by the caller. */
    private Lane claim() {
        int start = spread(Thread.currentThread().getId()) & mask;
        for (int round = 0; ; round++) {
            for (int i = 0; i <= mask; i++) {
                Lane lane = lanes.get((start + i) & mask);
                if (lane != null && lane.tryClaim()) {
                    return lane;
                }
            }
            for (int i = 0; i <= mask; i++) {
                int slot = (start + i) & mask;
                if (lanes.get(slot) == null) {
                    Lane made = new Lane(layers.backend.forwardContext());
                    made.tryClaim();
                    if (lanes.compareAndSet(slot, null, made)) {
                        return made;
                    }
                    made.close();
                }
            }
            if (round < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private static int spread(long id) {
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 32);
    }

    @Override
    void close() {
        for (int i = 0; i <= mask; i++) {
            Lane lane = lanes.get(i);
            if (lane != null) {
                lane.close();
            }
        }
    }

    /** One context with its matrices: {@code X [capacity x in]} and per layer {@code A_i [capacity x out_i]}. */
    private final class Lane {
        private final ForwardContext context;
        private final AtomicBoolean busy = new AtomicBoolean();
        private final Matrix[] activations;
        private Matrix input;
        private int capacity;

        Lane(ForwardContext context) {
            this.context = context;
            this.activations = new Matrix[layers.count()];
        }

        boolean tryClaim() {
            return !busy.get() && busy.compareAndSet(false, true);
        }

        void release() {
            busy.set(false);
        }

        void run(float[] inputs, int n, float[] outputs) {
            reserve(n);
            context.write(input, n, inputs, 0);
            context.read(forward(n), n, outputs, 0);
        }

        void run(double[] inputs, int n, double[] outputs) {
            reserve(n);
            context.write(input, n, inputs, 0);
            context.read(forward(n), n, outputs, 0);
        }

        /** The layers on the first {@code n} rows of the input; returns the output layer's activations. */
        private Matrix forward(int n) {
            Matrix in = input;
            for (int i = 0; i < activations.length; i++) {
                context.denseForward(n, in, layers.weights[i], layers.biases[i], layers.activations[i], activations[i]);
                in = activations[i];
            }
            return in;
        }

        /** Grows the matrices to {@code n} rows if they have fewer. */
        private void reserve(int n) {
            if (n <= capacity) {
                return;
            }
            Backend backend = layers.backend;
            synchronized (allocation) {
                Matrix[] grown = new Matrix[activations.length];
                Matrix x = null;
                try {
                    x = backend.allocate(n, layers.inputSize(), layers.precision);
                    for (int i = 0; i < grown.length; i++) {
                        grown[i] = backend.allocate(n, layers.sizes[i + 1], layers.precision);
                    }
                } catch (RuntimeException e) {
                    closeAll(x, grown);
                    throw e;
                }
                closeAll(input, activations);
                input = x;
                System.arraycopy(grown, 0, activations, 0, grown.length);
                capacity = n;
            }
        }

        void close() {
            synchronized (allocation) {
                closeAll(input, activations);
                context.close();
            }
        }

        private void closeAll(Matrix x, Matrix[] as) {
            if (x != null) {
                x.close();
            }
            for (Matrix a : as) {
                if (a != null) {
                    a.close();
                }
            }
        }
    }
}
