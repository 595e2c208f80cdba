// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcnn.api.Activation;
import org.fcnn.api.Backends;
import org.fcnn.api.Network;
import org.fcnn.api.Optimizer;
import org.fcnn.data.Dataset;
import org.fcnn.data.IdxDatasets;
import org.fcnn.io.ModelFile;
import org.fcnn.spi.Backend;
import org.fcnn.train.Evaluation;
import org.fcnn.train.Trainer;
import org.fcnn.train.TrainingResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real data: a small network trained on 5,000 Fashion-MNIST images for a few seconds must be far better than
 * chance (10%), and keep its accuracy through a save and a load on another backend instance.
 *
 * <p>Uses {@code /usr/share/datasets/fashion-mnist} (Debian package {@code dataset-fashion-mnist}); skipped when
 * it is absent, unless the environment variable {@value #REQUIRE} is {@code true} (CI sets it after installing
 * the package), which turns the skip into a failure.
 */
class FashionMnistTrainingTest {
    static final String REQUIRE = "FCNN_REQUIRE_FASHION_MNIST";

    @TempDir
    Path dir;

    @Test
    void smallNetworkLearnsFashionMnistAndSurvivesSaveAndLoad() throws IOException {
        Path data = IdxDatasets.FASHION_MNIST;
        if (!Files.isDirectory(data)) {
            String reason = "Fashion-MNIST is not installed in " + data + " (apt-get install dataset-fashion-mnist)";
            if (Boolean.parseBoolean(System.getenv(REQUIRE))) {
                fail(reason + ", and " + REQUIRE + " is true");
            }
            Assumptions.abort(reason);
        }
        IdxDatasets.TrainTest tt = IdxDatasets.loadDirectory(data, 10);
        assertEquals(60_000, tt.train().size());
        assertEquals(10_000, tt.test().size());
        assertEquals(784, tt.train().inputs());
        Dataset train = tt.train().head(5000);
        Dataset test = tt.test().head(2000);
        Path model = dir.resolve("fashion.safetensors");
        Evaluation trained;
        try (Network net = Network.builder().input(784).dense(64, Activation.RELU).dense(10, Activation.SOFTMAX)
                .optimizer(Optimizer.adam(1e-3)).seed(1).backend("cpu").build()) {
            TrainingResult r = Trainer.builder().epochs(3).batchSize(64).seed(1).validationFraction(0.1).build()
                    .fit(net, train);
            assertTrue(r.last().trainLoss() < r.history().get(0).trainLoss(), r.history().toString());
            trained = Evaluation.of(net, test);
            assertTrue(trained.accuracy() > 0.70, "test accuracy " + trained);
            ModelFile.save(net, model);
        }
        try (Backend other = Backends.open("cpu"); Network loaded = ModelFile.load(model, other)) {
            Evaluation reloaded = Evaluation.of(loaded, test);
            assertEquals(trained.correct(), reloaded.correct());
            assertEquals(trained.loss(), reloaded.loss(), 1e-6);
        }
    }
}
