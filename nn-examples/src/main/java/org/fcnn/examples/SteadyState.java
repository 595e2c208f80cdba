// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * Warm-up that runs until a benchmark's figure settles, so that a default run prints what a long one
 * does: timed rounds are repeated until the last {@code window} figures lie within {@code tolerance}
 * (relative) of their median, after at least {@code window} rounds and {@code minNanos} of warm-up, or
 * until {@code maxNanos} have passed. The JIT compiles the code under test in tiers over the first rounds (the tutorial loop's
 * first 70,000 steps ran 2-4x slower than its steady state), so a fixed, short warm-up reports a figure
 * that depends on how far the compiler got.
 */
final class SteadyState {
    private final int window;
    private final double tolerance;
    private final long minNanos;
    private final long maxNanos;

    /**
     * Settled when {@code window} consecutive rounds agree within {@code tolerance}, after at least
     * {@code minNanos}; gives up after {@code maxNanos}.
     */
    SteadyState(int window, double tolerance, long minNanos, long maxNanos) {
        if (window < 2 || !(tolerance > 0) || minNanos < 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("window " + window + ", tolerance " + tolerance + ", minNanos "
                    + minNanos + ", maxNanos " + maxNanos);
        }
        this.window = window;
        this.tolerance = tolerance;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
    }

    /** What a warm-up did: rounds run and whether the figure settled within the time allowed. */
    record Result(int rounds, boolean settled, double lastMedian) {
        /** E.g. {@code warm-up 12 rounds} or {@code warm-up 40 rounds, NOT settled}. */
        String describe() {
            return "warm-up " + rounds + " rounds" + (settled ? "" : ", NOT settled");
        }
    }

    /** Runs {@code round} (each call times one round and returns its figure) until the figures settle. */
    Result warmUp(DoubleSupplier round) {
        double[] last = new double[window];
        long start = System.nanoTime();
        int rounds = 0;
        while (true) {
            last[rounds % window] = round.getAsDouble();
            rounds++;
            long elapsed = System.nanoTime() - start;
            if (rounds >= window && elapsed >= minNanos && settled(last, tolerance)) {
                return new Result(rounds, true, median(last));
            }
            if (elapsed > maxNanos) {
                return new Result(rounds, false, median(last));
            }
        }
    }

    /** Whether every figure is within {@code tolerance} of the figures' median (and all are finite). */
    static boolean settled(double[] figures, double tolerance) {
        double m = median(figures);
        if (!(m > 0) || Double.isInfinite(m)) {
            return false;
        }
        for (double f : figures) {
            if (!(Math.abs(f - m) <= tolerance * m)) {
                return false;
            }
        }
        return true;
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
