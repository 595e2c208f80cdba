// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.fcnn.api.Network;
import org.fcnn.spark.ml.FcnnClassificationModel;
import org.fcnn.spark.ml.FcnnClassifier;
import org.fcnn.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code local-cluster[2,1,1024]}: two executor JVMs, started from the {@code SPARK_HOME} the build assembles
 * ({@code target/spark-home/jars}), with the fcnn classes on their class path. The estimator trains in the exact
 * mode across both (each executor reports its own pid) and equals {@link Trainer} on one JVM to 1e-9 in float64;
 * in the barrier mode (2 partitions, one task on each executor, the gradient sums crossing JVMs through the
 * driver's barrier coordinator) it equals the exact mode bit for bit, and the barrier local-steps mode (the states
 * crossing JVMs) the local-steps mode; the model scores the rows on the executors.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalClusterTest {
    private SparkSession spark;

    @BeforeAll
    void start() {
        String home = System.getenv("SPARK_HOME");
        assertTrue(home != null && Files.isDirectory(Path.of(home, "jars")),
                "SPARK_HOME with jars/ (the build assembles target/spark-home): " + home);
        // The fcnn classes (this module's, nn-api's and nn-cpu's, as directories or jars) for the executors, and
        // slf4j-api: a compile dependency of fcnn, so the build's provided-scope copy into SPARK_HOME/jars lacks it.
        String fcnn = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.matches(".*(nn-api|nn-cpu|nn-spark|slf4j-api).*")).collect(Collectors.joining(File.pathSeparator));
        spark = SparkTestData.session("local-cluster[2,1,1024]",
                "spark.executor.extraClassPath", fcnn,
                "spark.executor.memory", "512m",
                "spark.test.home", home);
    }

    @AfterAll
    void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void estimatorTrainsOnTwoExecutorJvmsAndEqualsTheSingleJvmTrainer() {
        SparkTestData d = new SparkTestData(240, 31);
        Dataset<Row> df = d.frame(spark, 4);
        FcnnClassifier c = new FcnnClassifier().setHiddenLayers(new int[] {6}).setActivation("sigmoid")
                .setOptimizer("momentum").setLearningRate(0.1).setBatchSize(40).setEpochs(2).setPrecision("float64")
                .setSeed(5).setBackend("cpu");
        FcnnClassificationModel model = c.fit(df);
        List<String> backends = model.trainingResult().orElseThrow().backends();
        assertEquals(2, backends.stream().map(b -> b.substring(0, b.indexOf(" on "))).distinct().count(),
                "both executors computed: " + backends);
        assertTrue(backends.stream().noneMatch(b -> b.contains("pid " + ProcessHandle.current().pid() + ")")),
                "executors run in their own JVMs: " + backends);
        // The barrier mode needs a task slot per partition: 2 here (2 executors of 1 core).
        Dataset<Row> df2 = d.frame(spark, 120, 120);
        FcnnClassificationModel exact2 = c.fit(df2);
        try (Network single = c.networkSpec(SparkTestData.INPUTS, SparkTestData.CLASSES).build()) {
            Trainer.builder().epochs(2).batchSize(40).seed(5).build().fit(single, d.dataset());
            double diff = SparkTestData.maxAbsDiff(single.parameters(), model.parameters());
            assertTrue(diff <= 1e-9, "largest difference from the single-JVM Trainer: " + diff);
        }
        FcnnClassificationModel barrier = c.copy(new org.apache.spark.ml.param.ParamMap()).setMode("barrier").fit(df2);
        List<String> barrierBackends = barrier.trainingResult().orElseThrow().backends();
        assertEquals(2, barrierBackends.stream().map(b -> b.substring(0, b.indexOf(" on "))).distinct().count(),
                "both executors ran a barrier task: " + barrierBackends);
        assertEquals(1, barrier.trainingResult().orElseThrow().jobs(), "one barrier job for the fit");
        assertArrayEquals(exact2.parameters(), barrier.parameters(), 0,
                "the barrier mode across two JVMs: the exact mode's parameters, bit for bit");
        FcnnClassificationModel local = c.copy(new org.apache.spark.ml.param.ParamMap()).setMode("local-steps")
                .setLocalSteps(2).fit(df2);
        FcnnClassificationModel barrierLocal = c.copy(new org.apache.spark.ml.param.ParamMap())
                .setMode("barrier-local-steps").setLocalSteps(2).fit(df2);
        assertEquals(1, barrierLocal.trainingResult().orElseThrow().jobs(), "one barrier job for both epochs");
        assertArrayEquals(local.parameters(), barrierLocal.parameters(), 0,
                "the barrier local-steps mode across two JVMs: the local-steps mode's parameters, bit for bit");
        List<Row> scored = model.transform(df).select("prediction", "probability").collectAsList();
        assertEquals(240, scored.size());
        for (Row r : scored) {
            assertEquals(((org.apache.spark.ml.linalg.Vector) r.get(1)).argmax(), (int) r.getDouble(0));
        }
    }
}
