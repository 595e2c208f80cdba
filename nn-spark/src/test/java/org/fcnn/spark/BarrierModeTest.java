// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The barrier mode on {@code local[2]}: equal to {@link Trainer} on one JVM to 1e-9 in float64 (as the exact mode,
 * see {@link ExactModeTest}) and to the exact mode bit for bit (the same sums added in the same order, the same
 * optimizer steps), for the exact mode's test configurations on 2 partitions, and with a partition that has rows in
 * only some steps or none at all, and in float32; one Spark job per stage of 1, 2 or all epochs. The barrier
 * local-steps mode equal to the local-steps mode bit for bit. More partitions than task slots, and dynamic
 * allocation, are refused before any stage runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BarrierModeTest {
    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkTestData.session("local[2]");
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of("adam", 0.01, 0.0, "cosine", new int[] {150, 150}, 0, Precision.FLOAT64),
                Arguments.of("momentum", 0.05, 1e-3, "constant", new int[] {150, 150}, 1, Precision.FLOAT64),
                Arguments.of("sgd", 0.2, 1e-2, "cosine", new int[] {150, 150}, 2, Precision.FLOAT64),
                // 7 rows in partition 1: most batches of 32 have none of them, so it sends empty shares
                Arguments.of("adam", 0.01, 1e-4, "constant", new int[] {293, 7}, 2, Precision.FLOAT64),
                // no rows at all in partition 0
                Arguments.of("momentum", 0.05, 0.0, "cosine", new int[] {0, 300}, 0, Precision.FLOAT64),
                // float32: the shares' sums travel as floats times the rows (GradientMessage's format 2)
                Arguments.of("adam", 0.01, 1e-4, "cosine", new int[] {150, 150}, 0, Precision.FLOAT32));
    }

    private SparkTrainer.Result fit(Dataset<Row> df, NetworkSpec spec, TrainingConfig config) {
        SparkTrainer.Prepared prepared = SparkTrainer.prepare(df, "features", "label", SparkTestData.INPUTS,
                SparkTestData.CLASSES);
        try {
            return SparkTrainer.fit(JavaSparkContext.fromSparkContext(spark.sparkContext()), prepared, spec, config);
        } finally {
            prepared.release();
        }
    }

    /**
     * The barrier mode takes the exact mode's steps (3 epochs of 10), in stages of {@code perStage} epochs (0: all
     * 3; 2: a stage of 2 and one of 1), the tasks replaying the epochs' orders from the seed: the same parameters and
     * optimizer state bit for bit, and Trainer's to 1e-9 in float64 (the order of the sums differs from one batch's).
     * In float32 Trainer's single batch and the shares round differently, float by float (relative 6e-8 per value
     * and step): within 1e-4 after these 30 steps of parameters of about 1.
     */
    /** {@link #fit} with {@link SparkTrainer#EPOCHS_PER_STAGE} set to {@code perStage} for this fit only. */
    private SparkTrainer.Result fitInStages(Dataset<Row> df, NetworkSpec spec, TrainingConfig config, int perStage) {
        spark.sparkContext().conf().set(SparkTrainer.EPOCHS_PER_STAGE, Integer.toString(perStage));
        try {
            return fit(df, spec, config);
        } finally {
            spark.sparkContext().conf().remove(SparkTrainer.EPOCHS_PER_STAGE);
        }
    }

    @ParameterizedTest(name = "{0} lr {1} wd {2} {3}, partitions of {4} rows, {5} epochs per stage, {6}")
    @MethodSource("runs")
    void barrierModeEqualsTheTrainerAndTheExactMode(String optimizer, double lr, double wd, String schedule,
                                                    int[] sizes, int perStage, Precision precision) {
        SparkTestData d = new SparkTestData(300, 17);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 8, 6, SparkTestData.CLASSES},
                Activation.TANH, optimizer, lr, 0.9, wd, precision, 5, "cpu");
        LearningRateSchedule s = TrainingConfig.schedule(schedule);
        Dataset<Row> df = d.frame(spark, sizes);
        SparkTrainer.Result barrier = fitInStages(df, spec, new TrainingConfig(3, 32, 99, s, TrainingMode.BARRIER, 1),
                perStage);
        SparkTrainer.Result exact = fit(df, spec, new TrainingConfig(3, 32, 99, s, TrainingMode.EXACT, 1));
        try (Network b = barrier.network(); Network e = exact.network(); Network single = spec.build()) {
            Trainer.builder().epochs(3).batchSize(32).seed(99).schedule(s).build().fit(single, d.dataset());
            double diff = SparkTestData.maxAbsDiff(single.parameters(), b.parameters());
            double tolerance = precision == Precision.FLOAT64 ? 1e-9 : 1e-4;
            assertTrue(diff <= tolerance, "largest difference from the single-JVM Trainer: " + diff);
            assertTrue(SparkTestData.maxAbsDiff(spec.build().parameters(), b.parameters()) > 1e-3,
                    "the run must have moved the parameters");
            assertArrayEquals(e.parameters(), b.parameters(), 0, "the exact mode's parameters, bit for bit");
            assertArrayEquals(e.trainingState().optimizerState(), b.trainingState().optimizerState(),
                    "the exact mode's optimizer state");
            assertEquals(single.steps(), b.steps());
            assertEquals(perStage == 0 ? 1 : perStage == 1 ? 3 : 2, barrier.jobs(), "one barrier job per stage");
            assertEquals(3 * 10, barrier.timings().steps(), "3 epochs of ceil(300 / 32) = 10 steps");
            assertEquals(3, barrier.history().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(exact.history().get(i).loss(), barrier.history().get(i).loss(), 0, "epoch loss " + i);
                assertEquals(exact.history().get(i).learningRate(), barrier.history().get(i).learningRate(), 0);
                assertEquals(10, barrier.history().get(i).timings().steps(), "epoch " + i + "'s steps");
            }
            assertEquals(lr, b.optimizer().learningRate(), 0, "the base rate is restored after the fit");
            assertTrue(barrier.backends().stream().anyMatch(x -> x.contains(": cpu on")), barrier.backends().toString());
        }
    }

    /**
     * Shares of about 300 rows (batch 600 on two partitions of 600) are cut into pieces ({@link SharePieces}) in both
     * modes alike: still the exact mode's parameters bit for bit, and Trainer's to 1e-9.
     */
    @Test
    void largeSharesAreCutAlikeInBothExactModes() {
        SparkTestData d = new SparkTestData(1200, 21);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 8, SparkTestData.CLASSES},
                Activation.TANH, "adam", 0.01, 0.9, 0, Precision.FLOAT64, 5, "cpu");
        LearningRateSchedule s = LearningRateSchedule.constant();
        Dataset<Row> df = d.frame(spark, 600, 600);
        SparkTrainer.Result barrier = fit(df, spec, new TrainingConfig(2, 600, 99, s, TrainingMode.BARRIER, 1));
        SparkTrainer.Result exact = fit(df, spec, new TrainingConfig(2, 600, 99, s, TrainingMode.EXACT, 1));
        try (Network b = barrier.network(); Network e = exact.network(); Network single = spec.build()) {
            Trainer.builder().epochs(2).batchSize(600).seed(99).schedule(s).build().fit(single, d.dataset());
            assertArrayEquals(e.parameters(), b.parameters(), 0, "the exact mode's parameters, bit for bit");
            double diff = SparkTestData.maxAbsDiff(single.parameters(), b.parameters());
            assertTrue(diff <= 1e-9, "largest difference from the single-JVM Trainer: " + diff);
            assertEquals(4, b.steps());
        }
    }

    static Stream<Arguments> localRuns() {
        return Stream.of(
                Arguments.of("adam", 0.01, 0.0, "cosine", new int[] {150, 150}, Precision.FLOAT64, 0),
                Arguments.of("adam", 0.01, 1e-4, "constant", new int[] {150, 150}, Precision.FLOAT32, 2),
                Arguments.of("momentum", 0.05, 1e-3, "constant", new int[] {293, 7}, Precision.FLOAT64, 1),
                Arguments.of("sgd", 0.2, 1e-2, "cosine", new int[] {0, 300}, Precision.FLOAT64, 0));
    }

    /**
     * The barrier local-steps mode takes the local-steps mode's rounds (3 steps per round, 10 steps per epoch: the
     * last round is shorter) and averages the states in the tasks with the driver's additions, so both reach the
     * same parameters and optimizer state bit for bit (in float32 too, where the network rounds the average it is
     * given), with one Spark job per stage of {@code perStage} epochs (0: all 3) instead of one per round.
     */
    @ParameterizedTest(name = "{0} lr {1} wd {2} {3}, partitions of {4} rows, {5}, {6} epochs per stage")
    @MethodSource("localRuns")
    void barrierLocalStepsModeEqualsTheLocalStepsMode(String optimizer, double lr, double wd, String schedule,
                                                     int[] sizes, Precision precision, int perStage) {
        SparkTestData d = new SparkTestData(300, 23);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 8, 6, SparkTestData.CLASSES},
                Activation.TANH, optimizer, lr, 0.9, wd, precision, 5, "cpu");
        LearningRateSchedule s = TrainingConfig.schedule(schedule);
        Dataset<Row> df = d.frame(spark, sizes);
        SparkTrainer.Result barrier = fitInStages(df, spec, new TrainingConfig(3, 32, 99, s, TrainingMode.BARRIER_LOCAL_STEPS, 3),
                perStage);
        SparkTrainer.Result jobs = fit(df, spec, new TrainingConfig(3, 32, 99, s, TrainingMode.LOCAL_STEPS, 3));
        try (Network b = barrier.network(); Network l = jobs.network()) {
            assertTrue(SparkTestData.maxAbsDiff(spec.build().parameters(), b.parameters()) > 1e-3,
                    "the run must have moved the parameters");
            assertArrayEquals(l.parameters(), b.parameters(), 0, "the local-steps mode's parameters, bit for bit");
            assertArrayEquals(l.trainingState().optimizerState(), b.trainingState().optimizerState(),
                    "the local-steps mode's optimizer state");
            assertEquals(3 * 10, b.steps(), "3 epochs of 10 local steps");
            assertEquals(l.steps(), b.steps());
            assertEquals(perStage == 0 ? 1 : perStage == 1 ? 3 : 2, barrier.jobs(), "one barrier job per stage");
            assertEquals(3 * 4, jobs.jobs(), "the local-steps mode: one job per round, 4 rounds per epoch");
            assertEquals(3 * 4, barrier.timings().steps(), "the rounds");
            assertEquals(3, barrier.history().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(jobs.history().get(i).loss(), barrier.history().get(i).loss(), 0, "epoch loss " + i);
                assertEquals(jobs.history().get(i).learningRate(), barrier.history().get(i).learningRate(), 0);
                assertEquals(4, barrier.history().get(i).timings().steps(), "epoch " + i + "'s rounds");
                assertTrue(barrier.history().get(i).seconds() > 0, "epoch " + i + "'s time");
            }
            assertEquals(lr, b.optimizer().learningRate(), 0, "the base rate is restored after the fit");
        }
    }

    @Test
    void epochsPerStageMustNotBeNegative() {
        SparkTestData d = new SparkTestData(60, 3);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 4, SparkTestData.CLASSES},
                Activation.RELU, "sgd", 0.1, 0.9, 0, Precision.FLOAT64, 5, "cpu");
        spark.sparkContext().conf().set(SparkTrainer.EPOCHS_PER_STAGE, "-1");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit(d.frame(spark, 2),
                    spec, new TrainingConfig(1, 30, 1, LearningRateSchedule.constant(),
                            TrainingMode.BARRIER_LOCAL_STEPS, 1)));
            assertTrue(e.getMessage().contains(SparkTrainer.EPOCHS_PER_STAGE) && e.getMessage().contains("-1"),
                    e.getMessage());
        } finally {
            spark.sparkContext().conf().remove(SparkTrainer.EPOCHS_PER_STAGE);
        }
    }

    @Test
    void morePartitionsThanTaskSlotsAreRefusedAtOnce() {
        SparkTestData d = new SparkTestData(90, 3);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 4, SparkTestData.CLASSES},
                Activation.RELU, "sgd", 0.1, 0.9, 0, Precision.FLOAT64, 5, "cpu");
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit(d.frame(spark, 3), spec,
                new TrainingConfig(1, 30, 1, LearningRateSchedule.constant(), TrainingMode.BARRIER, 1)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(e.getMessage().contains("all 3 partitions") && e.getMessage().contains("2 task slots")
                && e.getMessage().contains("mode exact"), e.getMessage());
        assertTrue(seconds < 30, "refused before Spark's own slot check retries (15 s each): " + seconds + " s");
    }

    @Test
    void dynamicAllocationIsRefusedOnAClusterAsSparkDoes() {
        SparkConf on = new SparkConf(false).set("spark.dynamicAllocation.enabled", "true");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BarrierChecks.checkNoDynamicAllocation(on, false));
        assertTrue(e.getMessage().contains("spark.dynamicAllocation.enabled=false"), e.getMessage());
        BarrierChecks.checkNoDynamicAllocation(on, true); // Spark ignores it in local mode
        assertThrows(IllegalArgumentException.class, () -> BarrierChecks.checkNoDynamicAllocation(
                on.clone().set("spark.dynamicAllocation.testing", "true"), true));
        BarrierChecks.checkNoDynamicAllocation(new SparkConf(false), false);
    }

    @Test
    void slotsAreSparksCountOfConcurrentTasks() {
        assertEquals(2, BarrierChecks.slots(spark.sparkContext()), "local[2]");
        BarrierChecks.checkSlots(2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BarrierChecks.checkSlots(5, 1));
        assertTrue(e.getMessage().contains("all 5 partitions") && e.getMessage().contains("1 task slot "),
                e.getMessage());
    }
}
