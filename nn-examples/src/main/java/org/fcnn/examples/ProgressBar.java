// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.PrintStream;
import java.util.Locale;
import org.fcnn.train.BatchProgress;
import org.fcnn.train.TrainingListener;
import org.fcnn.train.TrainingRun;

/**
 * The progress of each epoch on a terminal: one line redrawn in place with a bar, samples per second, the
 * running loss and accuracy and the time left, at most ten times a second, and erased at the end of the
 * epoch so that the epoch's summary line takes its place.
 *
 * <p>When the output is not a terminal (a log file, CI), redrawing would spam the log, so in {@link Mode#PLAIN}
 * it prints a plain line at most every {@link #PLAIN_INTERVAL_NANOS 30 seconds} instead, and nothing for
 * epochs that are quicker than that.
 *
 * <p>Why not a library: me.tongfei:progressbar pulls in JLine for terminal detection, and redraws with
 * carriage returns or prints a line per update on non-terminal output; this is the 100 lines we need.
 */
final class ProgressBar implements TrainingListener {
    /** How progress is shown. */
    enum Mode {
        /** A bar on a terminal, plain lines otherwise. */
        AUTO,
        /** Always the redrawn bar. */
        BAR,
        /** A plain line now and then. */
        PLAIN,
        /** Nothing. */
        NONE;

        static Mode parse(String text) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown progress mode '" + text + "': expected auto, bar, plain or none");
        }
    }

    static final long BAR_INTERVAL_NANOS = 100_000_000L;
    static final long PLAIN_INTERVAL_NANOS = 30_000_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final Mode mode;
    private long lastDraw;
    private int drawnLength;

    ProgressBar(PrintStream out, Mode mode) {
        this.out = out;
        this.mode = mode == Mode.AUTO ? (System.console() != null ? Mode.BAR : Mode.PLAIN) : mode;
    }

    Mode mode() {
        return mode;
    }

    @Override
    public void onEpochStart(TrainingRun run, int epoch, double learningRate) {
        lastDraw = System.nanoTime();
        drawnLength = 0;
    }

    @Override
    public void onBatchEnd(TrainingRun run, BatchProgress p) {
        if (mode == Mode.NONE) {
            return;
        }
        long now = System.nanoTime();
        boolean last = p.batch() == p.batches();
        if (mode == Mode.BAR) {
            if (now - lastDraw >= BAR_INTERVAL_NANOS || last) {
                draw(p);
                lastDraw = now;
            }
        } else if (now - lastDraw >= PLAIN_INTERVAL_NANOS && !last) {
            out.println(String.format(Locale.ROOT, "  epoch %d/%d: %3.0f%% (%,d/%,d samples), %,.0f samples/s, "
                    + "loss %.4f%s", p.epoch(), p.epochs(), 100 * p.fraction(), p.samples(), p.epochSamples(),
                    p.samplesPerSecond(), p.loss(), accuracy(p)));
            out.flush();
            lastDraw = now;
        }
    }

    private void draw(BatchProgress p) {
        int filled = (int) Math.round(WIDTH * p.fraction());
        StringBuilder sb = new StringBuilder(120).append("\repoch ").append(p.epoch()).append('/').append(p.epochs())
                .append(" [");
        for (int i = 0; i < WIDTH; i++) {
            sb.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        double rate = p.samplesPerSecond();
        double eta = rate > 0 ? (p.epochSamples() - p.samples()) / rate : 0;
        sb.append(String.format(Locale.ROOT, "] %3.0f%% %,d/%,d %,.0f samples/s loss %.4f%s eta %s",
                100 * p.fraction(), p.samples(), p.epochSamples(), rate, p.loss(), accuracy(p), duration(eta)));
        int length = sb.length();
        for (int i = length; i < drawnLength; i++) {
            sb.append(' ');
        }
        drawnLength = length;
        out.print(sb);
        out.flush();
    }

    /** Erases the bar (before the epoch's summary line). */
    void clear() {
        if (mode == Mode.BAR && drawnLength > 0) {
            out.print("\r" + " ".repeat(drawnLength) + "\r");
            out.flush();
            drawnLength = 0;
        }
    }

    private static String accuracy(BatchProgress p) {
        return Double.isNaN(p.accuracy()) ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * p.accuracy());
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
