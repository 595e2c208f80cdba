// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.train.LearningRateSchedule;
import org.fcnn.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact mode on {@code local[2]} against {@link Trainer} on one JVM with the same seeds: the same parameters
 * to 1e-9 in float64 after two epochs (a batch's gradient is its shares' sums added in partition order, then
 * divided by the batch size, instead of the batch's own mean: a few ulps per step, far below 1e-9 after 20 steps).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactModeTest {
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
                Arguments.of("adam", 0.01, 0.0, "cosine", 3),
                Arguments.of("momentum", 0.05, 1e-3, "constant", 2),
                Arguments.of("sgd", 0.2, 1e-2, "cosine", 4));
    }

    @ParameterizedTest(name = "{0} lr {1} wd {2} {3}, {4} partitions")
    @MethodSource("runs")
    void exactModeEqualsTheSingleJvmTrainer(String optimizer, double lr, double wd, String schedule, int partitions) {
        SparkTestData d = new SparkTestData(300, 17);
        NetworkSpec spec = new NetworkSpec(new int[] {SparkTestData.INPUTS, 8, 6, SparkTestData.CLASSES},
                Activation.TANH, optimizer, lr, 0.9, wd, Precision.FLOAT64, 5, "cpu");
        LearningRateSchedule s = TrainingConfig.schedule(schedule);
        TrainingConfig config = new TrainingConfig(2, 32, 99, s, TrainingMode.EXACT, 1);
        SparkTrainer.Prepared prepared = SparkTrainer.prepare(d.frame(spark, partitions), "features", "label",
                SparkTestData.INPUTS, SparkTestData.CLASSES);
        assertEquals(partitions, prepared.partitions());
        SparkTrainer.Result result = SparkTrainer.fit(JavaSparkContext.fromSparkContext(spark.sparkContext()), prepared,
                spec, config);
        prepared.release();
        try (Network spark = result.network(); Network single = spec.build()) {
            Trainer.builder().epochs(2).batchSize(32).seed(99).schedule(s).build().fit(single, d.dataset());
            double diff = SparkTestData.maxAbsDiff(single.parameters(), spark.parameters());
            assertTrue(diff <= 1e-9, "largest difference from the single-JVM Trainer: " + diff);
            assertTrue(SparkTestData.maxAbsDiff(spec.build().parameters(), spark.parameters()) > 1e-3,
                    "the run must have moved the parameters");
            assertEquals(single.steps(), spark.steps());
            assertEquals(2 * 10, result.jobs(), "one job per step: 2 epochs of ceil(300 / 32) = 10 batches");
            assertTrue(result.backends().stream().anyMatch(b -> b.contains(": cpu on")), result.backends().toString());
            assertEquals(2, result.history().size());
        }
    }
}
