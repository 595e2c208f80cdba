// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.fcnn.api.Activation;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.api.Precision;
import org.fcnn.data.Dataset;
import org.fcnn.examples.TestData;
import org.junit.jupiter.api.Test;

/** The trainer on the CPU backend: determinism, early stopping, listeners, schedules. */
class TrainerTest {

    static Network classifier(int hidden, double dropout, Precision precision, long seed) {
        Network.Builder b = Network.builder().input(2).dense(hidden, Activation.RELU);
        if (dropout > 0) {
            b.dropout(dropout);
        }
        return b.dense(3, Activation.SOFTMAX).optimizer(Optimizer.adam(0.01).withWeightDecay(1e-4))
                .precision(precision).seed(seed).backend("cpu").build();
    }

    private static double[][] parameters(Network net) {
        List<double[]> all = new ArrayList<>();
        for (Layer l : net.layers()) {
            all.add(l.weights());
            all.add(l.biases());
        }
        return all.toArray(new double[0][]);
    }

    @Test
    void learnsBlobs() {
        Dataset data = TestData.blobs(600, 1);
        try (Network net = classifier(16, 0, Precision.FLOAT32, 1)) {
            TrainingResult r = Trainer.builder().epochs(15).batchSize(32).validationFraction(0.2).build().fit(net, data);
            assertEquals(TrainingResult.StopReason.COMPLETED, r.stopReason());
            assertEquals(15, r.history().size());
            assertTrue(r.last().validationAccuracy() > 0.95, r.last().toString());
            assertTrue(r.last().trainLoss() < r.history().get(0).trainLoss());
            Evaluation ev = Evaluation.of(net, TestData.blobs(300, 2));
            assertTrue(ev.accuracy() > 0.95, ev.toString());
            int total = 0;
            for (int[] row : ev.confusion()) {
                for (int v : row) {
                    total += v;
                }
            }
            assertEquals(300, total);
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        for (Precision p : Precision.values()) {
            double[][] first;
            double[][] second;
            Trainer trainer = Trainer.builder().epochs(3).batchSize(16).seed(5).validationFraction(0.25)
                    .schedule(LearningRateSchedule.cosine()).build();
            try (Network net = classifier(8, 0.2, p, 9)) {
                trainer.fit(net, TestData.blobs(200, 3));
                first = parameters(net);
            }
            try (Network net = classifier(8, 0.2, p, 9)) {
                trainer.fit(net, TestData.blobs(200, 3));
                second = parameters(net);
            }
            for (int i = 0; i < first.length; i++) {
                assertArrayEquals(first[i], second[i], 0.0, p + " parameter tensor " + i);
            }
            // And a different seed gives a different result.
            try (Network net = classifier(8, 0.2, p, 9)) {
                Trainer.builder().epochs(3).batchSize(16).seed(6).validationFraction(0.25)
                        .schedule(LearningRateSchedule.cosine()).build().fit(net, TestData.blobs(200, 3));
                assertFalse(java.util.Arrays.equals(first[0], parameters(net)[0]));
            }
        }
    }

    @Test
    void earlyStoppingTriggersAndRestoresTheBestWeights() {
        // Random labels: nothing to learn, so the validation loss rises while the network memorises.
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[2 * 80];
        int[] y = new int[80];
        for (int i = 0; i < 80; i++) {
            x[2 * i] = (float) r.nextDouble();
            x[2 * i + 1] = (float) r.nextDouble();
            y[i] = r.nextInt(3);
        }
        Dataset noise = Dataset.classification(x, 2, y, 3);
        Dataset.Split split = noise.split(0.5);
        try (Network net = Network.builder().input(2).dense(64, Activation.RELU).dense(3, Activation.SOFTMAX)
                .optimizer(Optimizer.adam(0.05)).seed(1).backend("cpu").build()) {
            TrainingResult result = Trainer.builder().epochs(200).batchSize(8).patience(3).build()
                    .fit(net, split.first(), split.second());
            assertEquals(TrainingResult.StopReason.EARLY_STOPPING, result.stopReason());
            assertTrue(result.history().size() < 200);
            assertEquals(result.bestEpoch() + 3, result.last().epoch());
            assertEquals(result.bestEpoch(), result.weightsOfEpoch());
            assertTrue(result.stopMessage().contains("did not improve for 3 epochs"), result.stopMessage());
            double best = result.best().validationLoss();
            assertEquals(best, Evaluation.of(net, split.second(), 8).loss(), 1e-6);
        }
    }

    @Test
    void listenerCanStopTraining() {
        List<String> events = new ArrayList<>();
        TrainingListener stopper = new TrainingListener() {
            @Override
            public void onTrainingStart(TrainingRun run) {
                events.add("start " + run.trainingSamples() + " " + run.batchesPerEpoch());
            }

            @Override
            public void onEpochStart(TrainingRun run, int epoch, double learningRate) {
                events.add("epoch " + epoch);
            }

            @Override
            public void onBatchEnd(TrainingRun run, BatchProgress p) {
                assertTrue(p.samplesPerSecond() > 0);
                assertTrue(Double.isFinite(p.loss()) && p.accuracy() >= 0 && p.accuracy() <= 1);
                if (p.epoch() == 2 && p.batch() == 3) {
                    run.requestStop("enough");
                    events.add("stop at " + p.samples());
                }
            }

            @Override
            public void onEpochEnd(TrainingRun run, EpochResult result) {
                events.add("end " + result.epoch());
            }

            @Override
            public void onTrainingEnd(TrainingRun run, TrainingResult result) {
                events.add("done " + result.stopReason());
            }
        };
        try (Network net = classifier(8, 0, Precision.FLOAT32, 1)) {
            TrainingResult r = Trainer.builder().epochs(10).batchSize(10).listener(stopper).build()
                    .fit(net, TestData.blobs(100, 1));
            assertEquals(TrainingResult.StopReason.REQUESTED, r.stopReason());
            assertEquals("stopped on request after epoch 2: enough", r.stopMessage());
            assertEquals(2, r.history().size());
        }
        assertEquals(List.of("start 100 10", "epoch 1", "end 1", "epoch 2", "stop at 30", "end 2", "done REQUESTED"),
                events);
    }

    @Test
    void scheduleSetsTheLearningRateOfEachEpochAndTheBaseRateComesBack() {
        List<Double> rates = new ArrayList<>();
        try (Network net = classifier(4, 0, Precision.FLOAT64, 1)) {
            TrainingResult r = Trainer.builder().epochs(4).batchSize(50)
                    .schedule(LearningRateSchedule.step(2, 0.5))
                    .listener(new TrainingListener() {
                        @Override
                        public void onEpochStart(TrainingRun run, int epoch, double lr) {
                            rates.add(lr);
                            assertEquals(lr, run.network().optimizer().learningRate());
                        }
                    }).build().fit(net, TestData.blobs(100, 1));
            assertEquals(List.of(0.01, 0.01, 0.005, 0.005), rates);
            assertEquals(0.005, r.last().learningRate());
            assertEquals(0.01, net.optimizer().learningRate());
        }
    }

    @Test
    void regressionWithSquaredError() {
        Dataset data = TestData.linear(400, 1);
        try (Network net = Network.builder().input(2).dense(8, Activation.TANH).dense(1, Activation.IDENTITY)
                .optimizer(Optimizer.adam(0.01)).seed(2).backend("cpu").build()) {
            TrainingResult r = Trainer.builder().epochs(20).batchSize(16).validationFraction(0.25).build().fit(net, data);
            assertTrue(Double.isNaN(r.last().trainAccuracy()));
            assertTrue(r.last().validationLoss() < 0.002, r.last().toString());
            Evaluation ev = Evaluation.of(net, data);
            assertFalse(ev.isClassification());
            assertTrue(Double.isNaN(ev.accuracy()));
        }
    }

    @Test
    void divergenceStopsTheRun() {
        Dataset data = TestData.linear(64, 1);
        float[] x = data.features();
        for (int i = 0; i < x.length; i++) {
            x[i] *= 1e18f;
        }
        Dataset huge = Dataset.regression(x, 2, data.targets(), 1);
        try (Network net = Network.builder().input(2).dense(1, Activation.IDENTITY).optimizer(Optimizer.sgd(1e10))
                .seed(2).backend("cpu").build()) {
            TrainingResult r = Trainer.builder().epochs(5).batchSize(8).build().fit(net, huge);
            assertEquals(TrainingResult.StopReason.DIVERGED, r.stopReason());
            assertTrue(r.stopMessage().contains("try a lower learning rate"), r.stopMessage());
            assertEquals(0, r.weightsOfEpoch());
        }
    }

    @Test
    void rejectsMisfitsAndEarlyStoppingWithoutValidation() {
        try (Network net = classifier(4, 0, Precision.FLOAT32, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder().build().fit(net, TestData.linear(10, 1)));
            assertEquals("training data have 1 targets per sample, but the network has 3 outputs", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.builder().patience(2).build().fit(net, TestData.blobs(10, 1)));
            assertTrue(e.getMessage().startsWith("early stopping (patience 2) needs a validation set"));
        }
    }

    /**
     * The trainer's own loop reuses its buffers: a per-batch copy of a batch (8 x 100 floats here) would show as
     * kilobytes per batch; 64 bytes per batch leaves room for the measurement's own noise (the thread
     * allocation counter is updated per TLAB) and nothing more.
     */
    @Test
    void steadyTrainingLoopAllocatesNothingPerBatch() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean b
                && b.isThreadAllocatedMemorySupported(), "this JVM cannot count a thread's allocated bytes");
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) mx;
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[4000 * 100];
        int[] y = new int[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextInt(3);
        }
        Dataset data = Dataset.classification(x, 100, y, 3);
        try (Network net = Network.builder().input(100).dense(8, Activation.RELU).dropout(0.1)
                .dense(3, Activation.SOFTMAX).optimizer(Optimizer.adam(0.001)).backend("cpu").build()) {
            Trainer few = Trainer.builder().epochs(2).batchSize(400).build();
            Trainer many = Trainer.builder().epochs(2).batchSize(8).build();
            for (int i = 0; i < 3; i++) {
                many.fit(net, data); // warm up the JIT
                few.fit(net, data);
            }
            long id = Thread.currentThread().getId();
            long a0 = bean.getThreadAllocatedBytes(id);
            few.fit(net, data);
            long a1 = bean.getThreadAllocatedBytes(id);
            many.fit(net, data);
            long a2 = bean.getThreadAllocatedBytes(id);
            long perBatch = ((a2 - a1) - (a1 - a0)) / (2 * (500 - 10));
            assertTrue(perBatch < 64, "the loop allocates about " + perBatch + " bytes per batch");
        }
    }
}
