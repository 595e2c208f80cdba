// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import java.util.Locale;

/**
 * The figures of one finished epoch. Accuracies are in {@code [0, 1]} and NaN for regression; validation
 * figures are NaN when the run has no validation set.
 *
 * @param epoch              the epoch, from 1
 * @param learningRate       the learning rate used
 * @param trainLoss          the mean loss over the epoch's mini-batches (each before its update, with dropout)
 * @param trainAccuracy      the accuracy over the epoch's mini-batches, measured the same way
 * @param validationLoss     the mean loss on the validation set after the epoch (no dropout)
 * @param validationAccuracy the accuracy on the validation set after the epoch
 * @param seconds            wall time of the epoch, validation included
 * @param samplesPerSecond   training throughput (validation excluded)
 * @param best               whether this epoch has the lowest validation loss so far
 */
public record EpochResult(int epoch, double learningRate, double trainLoss, double trainAccuracy,
                          double validationLoss, double validationAccuracy, double seconds, double samplesPerSecond,
                          boolean best) {

    /** Whether validation figures are present. */
    public boolean hasValidation() {
        return !Double.isNaN(validationLoss);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d: lr %.3g, loss %.4f", epoch,
                learningRate, trainLoss));
        if (!Double.isNaN(trainAccuracy)) {
            sb.append(String.format(Locale.ROOT, ", accuracy %.2f%%", 100 * trainAccuracy));
        }
        if (hasValidation()) {
            sb.append(String.format(Locale.ROOT, ", validation loss %.4f", validationLoss));
            if (!Double.isNaN(validationAccuracy)) {
                sb.append(String.format(Locale.ROOT, ", validation accuracy %.2f%%", 100 * validationAccuracy));
            }
        }
        return sb.append(String.format(Locale.ROOT, ", %.1f s, %.0f samples/s", seconds, samplesPerSecond)).toString();
    }
}
