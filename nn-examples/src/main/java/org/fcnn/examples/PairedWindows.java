// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The window protocol of {@code bench --paired}, for timing fcnn and a peer in alternation on a shared
 * machine: after its warm-up the benchmark prints {@code READY}; then each line read is a window length in
 * milliseconds, and the benchmark runs its workload for that long and answers {@code WINDOW <rate> <unit>}.
 * End of input ends it. A driver ({@code nn-bench/paired.py}) runs the peer's windows between fcnn's, so that
 * each pair of figures is taken within a second of each other, in the same state of the machine: on a VM
 * whose neighbour takes a share of the core for seconds at a time, ratios of such pairs vary far less than
 * ratios of medians taken a minute apart.
 */
final class PairedWindows {
    /** A workload timed in windows. */
    interface Workload {
        /** Runs for about {@code nanos} and returns the rate achieved (work per second, in the workload's unit). */
        double runFor(long nanos);
    }

    private PairedWindows() {
    }

    /**
     * A workload that repeats {@code once} until the window is over, each run doing {@code workPerRun} units of
     * work (GFLOP of a product, samples of a batch); its rate is work per second.
     */
    static Workload repeating(double workPerRun, Runnable once) {
        return nanos -> {
            long t0 = System.nanoTime();
            long runs = 0;
            long now;
            do {
                once.run();
                runs++;
                now = System.nanoTime();
            } while (now - t0 < nanos);
            return workPerRun * runs / ((now - t0) / 1e9);
        };
    }

    /** Serves windows of {@code workload} read from standard input until it ends. */
    static void serve(PrintStream out, String unit, Workload workload) throws IOException {
        serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out, unit, workload);
    }

    /**
     * Serves windows of {@code workload} until {@code in} ends.
     *
     * @throws IllegalArgumentException a line that is not a positive whole number of milliseconds
     */
    static void serve(BufferedReader in, PrintStream out, String unit, Workload workload) throws IOException {
        out.println("READY");
        out.flush();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String ms = line.strip();
            if (ms.isEmpty()) {
                continue;
            }
            long millis;
            try {
                millis = Long.parseLong(ms);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--paired: expected a window length in milliseconds, found '" + ms + "'");
            }
            if (millis < 1) {
                throw new IllegalArgumentException("--paired: window length must be at least 1 ms, found " + millis);
            }
            out.printf(Locale.ROOT, "WINDOW %.4f %s%n", workload.runFor(millis * 1_000_000L), unit);
            out.flush();
        }
    }
}
