// SPDX-License-Identifier: Apache-2.0
/**
 * Training networks on {@link org.fcnn.data.Dataset}s: the {@link org.fcnn.train.Trainer} (epochs of seeded
 * mini-batches, validation, learning-rate schedules, early stopping), the {@link org.fcnn.train.TrainingListener}
 * events through which an application reports progress or stops training, and
 * {@link org.fcnn.train.Evaluation} (loss, accuracy and confusion matrix of a network on a dataset).
 *
 * <p>Lifecycle of a run, as listeners see it: {@code onTrainingStart -> (onEpochStart -> onBatchEnd...
 * -> onEpochEnd)... -> onTrainingEnd}.
 */
package org.fcnn.train;
