// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.fcnn.spi.Backend;
import org.fcnn.spi.ForwardContext;
import org.fcnn.spi.Matrix;

/**
 * Forward passes that run at the same time, on a striped pool of lanes: a lane is one
 * {@link ForwardContext} with its own input and activation matrices, sized by the largest batch it has run,
 * and is used by one call at a time. A call claims a free lane (first trying its thread's last lane, at
 * first the slot its thread id hashes to, so that a thread keeps the lane it warmed up), makes one in an
 * empty slot if every lane is busy, and waits (spinning briefly, then yielding) when all {@code slots} lanes
 * are busy. Claiming and releasing are a compare-and-set and a store on the lane's flag, which also count the
 * calls in flight for {@link #shutDown()}: a warm call allocates nothing, takes no lock and writes no memory
 * that another thread's call writes (a shared counter of calls in flight cost some 15-25% of the throughput
 * of two threads, 784-256-10 on an Intel Xeon family 6 model 207).
 * Lanes allocate and free their matrices under one lock, the backend's own methods serving one thread at a
 * time; a lane only grows when a call brings a larger batch than it has seen.
 */
final class ConcurrentPasses extends ForwardPasses {
    private static final int SPINS = 64;
    /** Ints between two lanes' flags: 64 bytes, a cache line. */
    private static final int FLAG_STRIDE = 16;

    private final FrozenLayers layers;
    private final AtomicReferenceArray<Lane> lanes;
    private final int mask;
    /** Guards the backend's own methods (allocating and closing matrices), called by lanes on many threads. */
    private final Object allocation = new Object();
    /**
     * Each thread's last lane (its slot), so that a thread keeps its lane and does not try, on every call, a
     * lane that another thread holds (a failed compare-and-set still moves that lane's cache line between
     * cores); first the slot its thread id hashes to.
     */
    private final ThreadLocal<int[]> home;
    private volatile boolean closing;
    /**
     * Each lane's flag (1 while a call holds it) at {@code (slot + 1) * FLAG_STRIDE}, a cache line apart from
     * the others and from the array's header: as a small object of its own, the first lane's flag shared a
     * line with the fields every call reads, so each call on one core invalidated the other core's copy.
     */
    private final AtomicIntegerArray flags;

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
        this.flags = new AtomicIntegerArray((slots + 2) * FLAG_STRIDE);
        this.home = ThreadLocal.withInitial(() -> new int[] {spread(Thread.currentThread().getId()) & mask});
        lanes.set(0, new Lane(first, 0));
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

    /**
     * Waits until no lane is claimed. A call claims its lane (a compare-and-set) before it reads
     * {@link #closing}, and this writes {@code closing} before it reads the lanes' flags: either the call
     * sees {@code closing} and backs out, or this sees the call's lane claimed and waits for it. Lanes are added
     * under the allocation lock after a look at {@code closing}, and {@link #close()} closes them under it, so
     * none is added after {@code close()} and left open.
     */
    @Override
    boolean shutDown() {
        closing = true;
        boolean interrupted = false;
        for (int i = 0; i <= mask; i++) {
            Lane lane = lanes.get(i);
            while (lane != null && lane.busy()) {
                LockSupport.parkNanos(20_000);
                interrupted |= Thread.interrupted();
            }
        }
        return interrupted;
    }

    /**
     * A free lane, now claimed by the caller, who releases it when done; the calling thread's last lane first.
     *
     * @throws IllegalStateException once {@link #shutDown()} has begun
     */
    private Lane claim() {
        Lane lane = find();
        if (closing) {
            lane.release();
            throw closed();
        }
        return lane;
    }

    private Lane find() {
        int[] home = this.home.get();
        int start = home[0];
        for (int round = 0; ; round++) {
            for (int i = 0; i <= mask; i++) {
                int slot = (start + i) & mask;
                Lane lane = lanes.get(slot);
                if (lane != null && lane.tryClaim()) {
                    home[0] = slot;
                    return lane;
                }
            }
            for (int i = 0; i <= mask; i++) {
                int slot = (start + i) & mask;
                if (lanes.get(slot) == null) {
                    synchronized (allocation) { // lanes are added, and all closed, under this lock
                        if (closing) {
                            throw closed();
                        }
                        if (lanes.get(slot) == null) {
                            Lane made = new Lane(layers.backend.forwardContext(), slot);
                            made.tryClaim();
                            lanes.set(slot, made);
                            home[0] = slot;
                            return made;
                        }
                    }
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
        synchronized (allocation) {
            for (int i = 0; i <= mask; i++) {
                Lane lane = lanes.get(i);
                if (lane != null) {
                    lane.close();
                }
            }
        }
    }

    /** One context with its matrices: {@code X [capacity x in]} and per layer {@code A_i [capacity x out_i]}. */
    private final class Lane {
        private final ForwardContext context;
        /** This lane's index in {@link #flags}. */
        private final int flag;
        private final Matrix[] activations;
        private Matrix input;
        private int capacity;

        Lane(ForwardContext context, int slot) {
            this.flag = (slot + 1) * FLAG_STRIDE;
            this.context = context;
            this.activations = new Matrix[layers.count()];
        }

        boolean tryClaim() {
            return flags.get(flag) == 0 && flags.compareAndSet(flag, 0, 1);
        }

        void release() {
            flags.set(flag, 0);
        }

        boolean busy() {
            return flags.get(flag) != 0;
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
