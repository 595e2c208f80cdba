// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.train.LearningRateSchedule;
import org.fcnn.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * On {@code local[2,2]} (two task threads, a task may fail once and is retried), with the test fault
 * {@link TestHooks#FAIL_TASK} making the first attempt of partition 1's task in step 3 (exact, barrier) or round 3
 * (local steps) throw: the run finishes, and its result is the same bits as a run without the fault; in the exact
 * mode it also equals {@link Trainer} on one JVM to 1e-9 (float64), and the barrier mode equals the exact mode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetriedTaskTest {
    private SparkSession spark;
    private final SparkTestData data = new SparkTestData(200, 8);
    private final NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 7, SparkTestData.CLASSES},
            Activation.RELU, "adam", 0.01, 0.9, 1e-4, Precision.FLOAT64, 12, "cpu");

    private final java.util.concurrent.atomic.AtomicInteger failedTasks = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger stageReruns = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    void start() {
        spark = SparkTestData.session("local[2,2]");
        spark.sparkContext().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() != org.apache.spark.Success$.MODULE$) {
                    failedTasks.incrementAndGet();
                }
            }

            @Override
            public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
                if (submitted.stageInfo().attemptNumber() > 0) {
                    stageReruns.incrementAndGet();
                }
            }
        });
    }

    /** The failed task attempts seen so far, once the listener bus has caught up (it is asynchronous). */
    private int failed(int atLeast) throws InterruptedException {
        for (int i = 0; i < 100 && failedTasks.get() < atLeast; i++) {
            Thread.sleep(50);
        }
        return failedTasks.get();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private double[] train(TrainingMode mode, boolean fault) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.sc().conf().set(TestHooks.FAIL_TASK, fault ? "3:1" : "");
        SparkTrainer.Prepared p = SparkTrainer.prepare(data.frame(spark, 2), "features", "label",
                SparkTestData.INPUTS, SparkTestData.CLASSES);
        try {
            SparkTrainer.Result r = SparkTrainer.fit(sc, p, spec,
                    new TrainingConfig(2, 25, 4, LearningRateSchedule.constant(), mode, 2));
            try (Network net = r.network()) {
                return net.parameters();
            }
        } finally {
            p.release();
        }
    }

    @Test
    void exactModeIsUnchangedByARetriedTask() throws InterruptedException {
        int before = failed(0);
        double[] faulty = train(TrainingMode.EXACT, true);
        assertEquals(before + 1, failed(before + 1), "one task attempt failed and was retried");
        double[] clean = train(TrainingMode.EXACT, false);
        assertArrayEquals(clean, faulty, 0, "a retried task computes the same sums");
        try (Network single = spec.build()) {
            Trainer.builder().epochs(2).batchSize(25).seed(4).build().fit(single, data.dataset());
            double diff = SparkTestData.maxAbsDiff(single.parameters(), faulty);
            assertTrue(diff <= 1e-9, "largest difference from the single-JVM Trainer: " + diff);
        }
    }

    /**
     * The barrier mode: the fault makes partition 1's task fail in step 3 (in epoch 1 of 8 steps); Spark kills the
     * other task and reruns the whole stage as stage attempt 1 (its tasks' attempt numbers start again at 0, so the
     * fault checks the stage attempt too), which starts the stage (both epochs: all epochs are one stage by
     * default) again from the broadcast state.
     */
    @Test
    void barrierModeIsUnchangedByARerunStage() throws InterruptedException {
        int before = failed(0);
        int rerunsBefore = stageReruns.get();
        double[] faulty = train(TrainingMode.BARRIER, true);
        assertTrue(failed(before + 1) >= before + 1, "the failing task (and the task Spark killed with it)");
        assertStageRanAgainOnce(rerunsBefore);
        double[] clean = train(TrainingMode.BARRIER, false);
        assertArrayEquals(clean, faulty, 0, "a rerun epoch takes the same steps");
        assertArrayEquals(train(TrainingMode.EXACT, false), faulty, 0, "the exact mode's parameters, bit for bit");
    }

    /** Waits up to 5 s for the listener to see the rerun (its events come after the job), then checks there was one. */
    private void assertStageRanAgainOnce(int rerunsBefore) throws InterruptedException {
        for (int i = 0; i < 100 && stageReruns.get() == rerunsBefore; i++) {
            Thread.sleep(50);
        }
        assertEquals(rerunsBefore + 1, stageReruns.get(), "the barrier stage ran a second time, once");
    }

    @Test
    void localStepsModeIsUnchangedByARetriedTask() throws InterruptedException {
        int before = failed(0);
        double[] faulty = train(TrainingMode.LOCAL_STEPS, true);
        assertEquals(before + 1, failed(before + 1), "one task attempt failed and was retried");
        double[] clean = train(TrainingMode.LOCAL_STEPS, false);
        assertArrayEquals(clean, faulty, 0);
        assertEquals(clean.length, spec.build().parameterCount());
    }

    /**
     * The barrier local-steps mode: the fault makes partition 1's task fail in round 3 (in epoch 1 of 4 rounds of 2
     * steps); Spark reruns the whole stage, which starts the epoch again from the broadcast state.
     */
    @Test
    void barrierLocalStepsModeIsUnchangedByARerunStage() throws InterruptedException {
        int before = failed(0);
        int rerunsBefore = stageReruns.get();
        double[] faulty = train(TrainingMode.BARRIER_LOCAL_STEPS, true);
        assertTrue(failed(before + 1) >= before + 1, "the failing task (and the task Spark killed with it)");
        assertStageRanAgainOnce(rerunsBefore);
        assertArrayEquals(train(TrainingMode.LOCAL_STEPS, false), faulty, 0,
                "the local-steps mode's parameters, bit for bit");
    }
}
