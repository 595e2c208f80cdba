// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.fcnn.api.Network;
import org.fcnn.io.ModelFile;
import org.fcnn.spark.FcnnInputException;
import org.fcnn.spark.SparkTestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Spark ML estimator and model on {@code local[2]}: columns, scoring, params, persistence, bad input. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FcnnClassifierTest {
    private SparkSession spark;
    private SparkTestData data;
    private Dataset<Row> train;
    private FcnnClassificationModel model;

    @BeforeAll
    void start() {
        spark = SparkTestData.session("local[2]");
        data = new SparkTestData(600, 21);
        train = data.frame(spark, 2);
        model = new FcnnClassifier().setHiddenLayers(new int[] {16}).setActivation("tanh").setLearningRate(0.02)
                .setBatchSize(100).setEpochs(6).setPrecision("float64").setSeed(3).setBackend("cpu").fit(train);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private static double[] column(List<Row> rows, String name) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i).getDouble(rows.get(i).fieldIndex(name));
        }
        return out;
    }

    @Test
    void transformAddsTheColumnsAndLearnsTheRule() {
        List<Row> rows = model.transform(train).collectAsList();
        assertEquals(600, rows.size());
        int correct = 0;
        for (Row r : rows) {
            Vector p = r.getAs("probability");
            Vector raw = r.getAs("rawPrediction");
            double prediction = r.getAs("prediction");
            double sum = 0;
            for (int c = 0; c < 3; c++) {
                sum += p.apply(c);
                assertEquals(Math.log(p.apply(c)), raw.apply(c), 1e-9, "raw = log-probability");
            }
            assertEquals(1, sum, 1e-12, "probabilities sum to 1");
            assertEquals(p.argmax(), (int) prediction);
            if (prediction == r.getDouble(r.fieldIndex("label"))) {
                correct++;
            }
        }
        // The rule is three bands of a linear score: a 16-unit net gets well over 85% of the training rows.
        assertTrue(correct > 0.85 * 600, "training accuracy " + correct + "/600");
        assertEquals(2, model.numFeatures() == 5 ? 2 : -1, "numFeatures " + model.numFeatures());
        assertEquals(3, model.numClasses());
        assertTrue(model.trainingResult().orElseThrow().backends().toString().contains(": cpu on"));
    }

    @Test
    void partitionScoringEqualsTheSingleRowApiAndTheNetwork() {
        List<Row> rows = model.transform(train.limit(40)).collectAsList();
        try (Network net = model.networkSpec().withBackend("cpu").build()) {
            net.setParameters(model.parameters());
            for (Row r : rows) {
                Vector f = r.getAs("features");
                double[] p = net.predict(f.toArray());
                Vector pr = r.getAs("probability");
                assertArrayEquals(p, pr.toArray(), 1e-12);
                assertArrayEquals(pr.toArray(), model.predictProbability(f).toArray(), 1e-12);
            }
        }
    }

    @Test
    void emptyColumnNamesAreLeftOutAndThresholdsApply() {
        FcnnClassificationModel m = model.copy(new org.apache.spark.ml.param.ParamMap());
        m.setRawPredictionCol("").setProbabilityCol("");
        Dataset<Row> out = m.transform(train);
        assertEquals(List.of("features", "label", "prediction"), List.of(out.columns()));
        double[] thresholds = {0.05, 1, 0.5};
        m.setThresholds(thresholds);
        List<Row> biased = m.setProbabilityCol("probability").transform(train).collectAsList();
        int changed = 0;
        for (Row r : biased) {
            Vector p = r.getAs("probability");
            int best = 0;
            for (int c = 1; c < 3; c++) {
                if (p.apply(c) / thresholds[c] > p.apply(best) / thresholds[best]) {
                    best = c;
                }
            }
            assertEquals(best, (int) r.getDouble(r.fieldIndex("prediction")), "argmax of probability / threshold");
            changed += best != p.argmax() ? 1 : 0;
        }
        assertTrue(changed > 0, "the thresholds changed some predictions");
    }

    @Test
    void barrierModeFitsTheSameModelAsTheExactMode() {
        FcnnClassifier c = new FcnnClassifier().setHiddenLayers(new int[] {16}).setActivation("tanh")
                .setLearningRate(0.02).setBatchSize(100).setEpochs(6).setPrecision("float64").setSeed(3)
                .setBackend("cpu").setMode("barrier");
        assertEquals("barrier", c.getMode());
        FcnnClassificationModel barrier = c.fit(train);
        assertArrayEquals(model.parameters(), barrier.parameters(), 0, "the exact mode's model, bit for bit");
        assertEquals(1, barrier.trainingResult().orElseThrow().jobs(), "one barrier job for the fit");
        List<Row> a = model.transform(train.limit(20)).select("prediction").collectAsList();
        List<Row> b = barrier.transform(train.limit(20)).select("prediction").collectAsList();
        assertEquals(a, b);
    }

    @Test
    void paramsHaveDefaultsAndValidators() {
        FcnnClassifier c = new FcnnClassifier();
        assertArrayEquals(new int[] {128}, c.getHiddenLayers());
        assertEquals("relu", c.getActivation());
        assertEquals("adam", c.getOptimizer());
        assertEquals(1e-3, c.getLearningRate());
        assertEquals(256, c.getBatchSize());
        assertEquals(10, c.getEpochs());
        assertEquals("float32", c.getPrecision());
        assertEquals("auto", c.getBackend());
        assertEquals("exact", c.getMode());
        assertEquals(16, c.getLocalSteps());
        for (Runnable bad : List.<Runnable>of(() -> c.setBatchSize(0), () -> c.setEpochs(-1),
                () -> c.setActivation("softmax"), () -> c.setOptimizer("rmsprop"), () -> c.setLearningRate(0),
                () -> c.setMomentum(1), () -> c.setWeightDecay(-1), () -> c.setPrecision("float16"),
                () -> c.setMode("async"), () -> c.setHiddenLayers(new int[] {8, 0}), () -> c.setBackend("No Such"),
                () -> c.setSchedule("step"), () -> c.setLocalSteps(0), () -> c.setNumClasses(-2))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::run);
            assertTrue(e.getMessage().contains("parameter"), e.getMessage());
        }
    }

    @Test
    void modelSavesAndLoadsWithItsSafetensorsFile(@TempDir Path dir) throws IOException {
        String path = dir.resolve("model").toString();
        FcnnClassificationModel m = model.copy(new org.apache.spark.ml.param.ParamMap()).setBackend("cpu");
        m.setProbabilityCol("p");
        m.write().overwrite().save(path);
        Path file = dir.resolve("model").resolve(FcnnClassificationModel.MODEL_FILE);
        assertTrue(Files.isRegularFile(file), "model file at " + file);
        try (Network net = ModelFile.load(file, "cpu")) {
            assertArrayEquals(model.parameters(), net.parameters(), 0, "float64 parameters stored exactly");
            assertArrayEquals(new int[] {5, 16, 3}, net.sizes());
        }
        FcnnClassificationModel loaded = FcnnClassificationModel.load(path);
        assertEquals(m.uid(), loaded.uid());
        assertEquals("p", loaded.getProbabilityCol());
        assertEquals("cpu", loaded.getBackend());
        assertArrayEquals(column(m.transform(train).collectAsList(), "prediction"),
                column(loaded.transform(train).collectAsList(), "prediction"), 0);
    }

    @Test
    void pipelineWithTheEstimatorRoundTrips(@TempDir Path dir) throws IOException {
        StandardScaler scaler = new StandardScaler().setInputCol("features").setOutputCol("scaled");
        FcnnClassifier fcnn = new FcnnClassifier().setFeaturesCol("scaled").setHiddenLayers(new int[] {8})
                .setEpochs(3).setBatchSize(200).setBackend("cpu");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {scaler, fcnn});
        pipeline.write().overwrite().save(dir.resolve("pipeline").toString());
        Pipeline pipelineBack = Pipeline.load(dir.resolve("pipeline").toString());
        FcnnClassifier fcnnBack = (FcnnClassifier) pipelineBack.getStages()[1];
        assertArrayEquals(new int[] {8}, fcnnBack.getHiddenLayers());
        assertEquals(3, fcnnBack.getEpochs());
        assertEquals("scaled", fcnnBack.getFeaturesCol());

        PipelineModel fitted = pipeline.fit(train);
        fitted.write().overwrite().save(dir.resolve("fitted").toString());
        PipelineModel back = PipelineModel.load(dir.resolve("fitted").toString());
        assertTrue(back.stages()[1] instanceof FcnnClassificationModel);
        List<Row> a = fitted.transform(train).select("probability").collectAsList();
        List<Row> b = back.transform(train).select("probability").collectAsList();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(((Vector) a.get(i).get(0)).toArray(), ((Vector) b.get(i).get(0)).toArray(), 1e-6,
                    "float32 model: the same probabilities after the round trip, row " + i);
        }
    }

    // ------------------------------------------------------------------ bad input

    private FcnnInputException fitFails(List<Row> rows, FcnnClassifier c) {
        Dataset<Row> df = SparkTestData.frame(spark, rows, SparkTestData.SCHEMA, 2);
        return assertThrows(FcnnInputException.class, () -> c.fit(df));
    }

    private static FcnnClassifier quick() {
        return new FcnnClassifier().setHiddenLayers(new int[] {4}).setEpochs(1).setBackend("cpu");
    }

    private List<Row> goodRows() {
        return new ArrayList<>(data.rows().subList(0, 40));
    }

    @Test
    void wrongSizeFeaturesAreNamedBeforeTraining() {
        List<Row> rows = goodRows();
        rows.set(30, RowFactory.create(Vectors.dense(1, 2, 3, 4), 1.0));
        FcnnInputException e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("column 'features'") && e.getMessage().contains("expected a vector of size 5")
                && e.getMessage().contains("found size 4") && e.getMessage().contains("row 10 of partition 1"), e.getMessage());
    }

    @Test
    void labelsOutsideTheClassesOrFractionalAreNamed() {
        List<Row> rows = goodRows();
        rows.set(3, RowFactory.create(rows.get(3).get(0), 3.0));
        FcnnInputException e = fitFails(rows, quick().setNumClasses(3));
        assertTrue(e.getMessage().contains("column 'label'") && e.getMessage().contains("0..2")
                && e.getMessage().contains("found 3.0"), e.getMessage());
        rows = goodRows();
        rows.set(5, RowFactory.create(rows.get(5).get(0), 1.5));
        e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("column 'label'") && e.getMessage().contains("found 1.5"), e.getMessage());
        rows = goodRows();
        rows.set(6, RowFactory.create(rows.get(6).get(0), -1.0));
        e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("found -1.0"), e.getMessage());
        rows = goodRows();
        rows.set(7, RowFactory.create(rows.get(7).get(0), null));
        e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("column 'label'") && e.getMessage().contains("found null"), e.getMessage());
    }

    @Test
    void nullAndNanFeaturesAreNamed() {
        List<Row> rows = goodRows();
        rows.set(12, RowFactory.create(null, 1.0));
        FcnnInputException e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("column 'features'") && e.getMessage().contains("found null"), e.getMessage());
        rows = goodRows();
        rows.set(25, RowFactory.create(Vectors.dense(0, Double.NaN, 0, 0, 0), 1.0));
        e = fitFails(rows, quick());
        assertTrue(e.getMessage().contains("column 'features'") && e.getMessage().contains("element 1")
                && e.getMessage().contains("found NaN") && e.getMessage().contains("row 5 of partition 1"), e.getMessage());
    }

    @Test
    void scoringAWrongSizeRowFailsNamingTheColumn() {
        List<Row> rows = goodRows();
        rows.set(2, RowFactory.create(Vectors.dense(1, 2), 0.0));
        Dataset<Row> df = SparkTestData.frame(spark, rows, SparkTestData.SCHEMA, 1);
        Exception e = assertThrows(Exception.class, () -> model.transform(df).collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("column 'features', row 2 of partition 0: expected a vector "
                + "of size 5, found size 2"), e.getMessage());
    }
}
