// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

/**
 * Where an epoch stands after a mini-batch: the figures a progress bar shows. One instance is reused for
 * every batch of a run (so the training loop allocates nothing); read it during
 * {@link TrainingListener#onBatchEnd}, do not keep it.
 */
public final class BatchProgress {
    int epoch;
    int epochs;
    int batch;
    int batches;
    int samples;
    int epochSamples;
    double batchLoss;
    double loss;
    double accuracy;
    double learningRate;
    long elapsedNanos;

    BatchProgress() {
    }

    /** The epoch, from 1. */
    public int epoch() {
        return epoch;
    }

    /** The number of epochs of the run. */
    public int epochs() {
        return epochs;
    }

    /** The batch just finished, from 1. */
    public int batch() {
        return batch;
    }

    /** Batches in this epoch. */
    public int batches() {
        return batches;
    }

    /** Samples trained on so far in this epoch. */
    public int samples() {
        return samples;
    }

    /** Samples in this epoch. */
    public int epochSamples() {
        return epochSamples;
    }

    /** The mean loss of the batch just finished (before its update). */
    public double batchLoss() {
        return batchLoss;
    }

    /** The mean training loss over the epoch so far. */
    public double loss() {
        return loss;
    }

    /** The training accuracy over the epoch so far, in {@code [0, 1]}; NaN for regression. */
    public double accuracy() {
        return accuracy;
    }

    /** The learning rate of this epoch. */
    public double learningRate() {
        return learningRate;
    }

    /** Seconds since the epoch started. */
    public double elapsedSeconds() {
        return elapsedNanos / 1e9;
    }

    /** Training throughput of the epoch so far. */
    public double samplesPerSecond() {
        return elapsedNanos <= 0 ? 0 : samples / (elapsedNanos / 1e9);
    }

    /** The fraction of the epoch done, in {@code [0, 1]}. */
    public double fraction() {
        return epochSamples == 0 ? 0 : (double) samples / epochSamples;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "epoch %d/%d batch %d/%d loss %.4f%s %.0f samples/s",
                epoch, epochs, batch, batches, loss,
                Double.isNaN(accuracy) ? "" : String.format(java.util.Locale.ROOT, " acc %.2f%%", 100 * accuracy),
                samplesPerSecond());
    }
}
