// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import java.util.List;
import org.fcnn.api.Network;

/**
 * The run a {@link TrainingListener} is listening to: what is being trained, the history so far, and the way
 * to stop it.
 */
public interface TrainingRun {

    /** The network being trained. */
    Network network();

    /** The number of epochs the run was configured for (it may stop earlier). */
    int epochs();

    /** The mini-batch size. */
    int batchSize();

    /** The number of training samples per epoch. */
    int trainingSamples();

    /** The number of validation samples (0 without validation). */
    int validationSamples();

    /** Mini-batches per epoch (the last one may be smaller). */
    int batchesPerEpoch();

    /** The results of the epochs finished so far. */
    List<EpochResult> history();

    /**
     * Asks the run to stop after the current batch; safe to call from any thread. The first reason given is
     * kept and reported in {@link TrainingResult#stopMessage()}.
     */
    void requestStop(String reason);

    /** Whether a stop was requested. */
    boolean isStopRequested();
}
