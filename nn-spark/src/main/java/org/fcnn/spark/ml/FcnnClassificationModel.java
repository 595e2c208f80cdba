// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.io.ModelFile;
import org.fcnn.spark.NetworkSpec;
import org.fcnn.spark.PredictPartition;
import org.fcnn.spark.SparkTrainer;

/**
 * A trained fcnn classifier as a Spark ML model. {@link #transform} scores a partition at a time with one network
 * per task (rows in chunks of {@value org.fcnn.spark.PredictPartition#CHUNK}), adding {@code rawPredictionCol} (log-probabilities),
 * {@code probabilityCol} (the softmax output) and {@code predictionCol} (the most probable class, or the largest
 * {@code probability / threshold} when {@code thresholds} is set); a column whose name is empty is left out.
 *
 * <p>Persistence ({@link #write()}, {@link #read()}, and so inside a {@code PipelineModel}): Spark's params
 * metadata under {@code path/metadata} (DefaultParamsWriter's format) and the network as the project's
 * safetensors model file ({@link ModelFile}) at {@code path/data/model.safetensors}, readable by
 * {@code ModelFile.load} and by Python's {@code safetensors}.
 */
public final class FcnnClassificationModel extends ProbabilisticClassificationModel<Vector, FcnnClassificationModel>
        implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** The model file's path under the model's directory. */
    public static final String MODEL_FILE = "data/model.safetensors";

    private final String uid;
    private final NetworkSpec spec;
    private final double[] parameters;
    private final Param<String> backend;
    private transient SparkTrainer.Result training;
    private transient Network local;

    FcnnClassificationModel(String uid, NetworkSpec spec, double[] parameters) {
        this(uid, spec, parameters, PendingUid.stash(uid));
    }

    private FcnnClassificationModel(String uid, NetworkSpec spec, double[] parameters, Void stashed) {
        this.uid = uid;
        PendingUid.clear();
        this.spec = spec;
        this.parameters = parameters;
        this.backend = new Param<>(this, "backend", "fcnn backend that scores on the executors (auto: the best one)",
                new Validators.Matches("[a-z][a-z0-9_-]*"));
        setDefault(backend, "auto");
    }

    FcnnClassificationModel withTraining(SparkTrainer.Result result) {
        this.training = result;
        return this;
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.get();
    }

    public Param<String> backend() {
        return backend;
    }

    public String getBackend() {
        return $(backend);
    }

    public FcnnClassificationModel setBackend(String value) {
        set(backend, value);
        return this;
    }

    /** The network's description (sizes, activation, precision). */
    public NetworkSpec networkSpec() {
        return spec;
    }

    /** A copy of the trained parameters, in the layout of {@link Network#parameters()}. */
    public double[] parameters() {
        return parameters.clone();
    }

    /** How training went (epochs, backends per executor, jobs, timings); empty for a loaded model. */
    public java.util.Optional<SparkTrainer.Result> trainingResult() {
        return java.util.Optional.ofNullable(training);
    }

    @Override
    public int numClasses() {
        return spec.classes();
    }

    @Override
    public int numFeatures() {
        return spec.inputs();
    }

    /**
     * Spark's summary lookup, as the parent does it. Both Scala parents declare it with covariant tuple types that
     * Java cannot name at once, hence the raw type.
     */
    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public scala.Tuple3 findSummaryModel() {
        return super.findSummaryModel();
    }

    @Override
    public FcnnClassificationModel copy(ParamMap extra) {
        FcnnClassificationModel copy = new FcnnClassificationModel(uid, spec, parameters);
        copy.training = training;
        return copyValues(copy, extra).setParent(parent());
    }

    // ------------------------------------------------------------------ one row (Spark's per-row API)

    @Override
    public Vector predictRaw(Vector features) {
        double[] p = new double[numClasses()];
        synchronized (this) {
            if (local == null) {
                local = spec.withBackend(getBackend()).build();
                local.setParameters(parameters);
            }
            local.predict(PredictPartition.checked(features, spec.inputs(), getFeaturesCol(), "the row"), 1, p);
        }
        return Vectors.dense(PredictPartition.logs(p));
    }

    @Override
    public Vector raw2probabilityInPlace(Vector raw) {
        if (!(raw instanceof DenseVector d)) {
            throw new IllegalArgumentException("raw predictions must be dense, got " + raw.getClass().getSimpleName());
        }
        double[] v = d.values();
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= sum;
        }
        return raw;
    }

    // ------------------------------------------------------------------ a partition at a time

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        StructType in = dataset.schema();
        int featuresIndex = in.fieldIndex(getFeaturesCol());
        String[] added = new String[out.size() - in.size()];
        int[] kinds = new int[added.length];
        for (int i = 0; i < added.length; i++) {
            added[i] = out.fields()[in.size() + i].name();
            kinds[i] = added[i].equals(getRawPredictionCol()) ? PredictPartition.RAW
                    : added[i].equals(getProbabilityCol()) ? PredictPartition.PROBABILITY : PredictPartition.PREDICTION;
        }
        double[] thresholds = isDefined(thresholds()) ? getThresholds() : null;
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Broadcast<double[]> params = sc.broadcast(parameters);
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(new PredictPartition(spec.withBackend(getBackend()),
                params, featuresIndex, getFeaturesCol(), kinds, thresholds));
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    // ------------------------------------------------------------------ persistence

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    @Override
    public void save(String path) throws IOException {
        write().save(path);
    }

    /** Reads a model saved with {@link #write()}. */
    public static MLReader<FcnnClassificationModel> read() {
        return new Reader();
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static FcnnClassificationModel load(String path) {
        return read().load(path);
    }

    private static final class Writer extends MLWriter {
        private final FcnnClassificationModel model;

        Writer(FcnnClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(),
                    DefaultParamsWriter$.MODULE$.saveMetadata$default$4(),
                    DefaultParamsWriter$.MODULE$.saveMetadata$default$5());
            Path tmp = null;
            try (Network net = model.spec.withBackend("cpu").build()) {
                net.setParameters(model.parameters);
                tmp = Files.createTempFile("fcnn-model", ".safetensors");
                ModelFile.save(net, tmp, Map.of("spark_uid", model.uid));
                org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(path, MODEL_FILE);
                FileSystem fs = target.getFileSystem(sc().hadoopConfiguration());
                try (OutputStream os = fs.create(target, true)) {
                    Files.copy(tmp, os);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write the model file under " + path + ": " + e.getMessage(), e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a temporary file; the OS cleans its temp directory
                    }
                }
            }
        }
    }

    private static final class Reader extends MLReader<FcnnClassificationModel> {
        @Override
        public FcnnClassificationModel load(String path) {
            DefaultParamsReader.Metadata meta = DefaultParamsReader$.MODULE$.loadMetadata(path, sc(),
                    FcnnClassificationModel.class.getName());
            org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(path, MODEL_FILE);
            Path tmp = null;
            try {
                tmp = Files.createTempFile("fcnn-model", ".safetensors");
                FileSystem fs = source.getFileSystem(sc().hadoopConfiguration());
                try (InputStream is = fs.open(source)) {
                    Files.copy(is, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                ModelFile.SavedModel saved = ModelFile.read(tmp);
                List<Activation> acts = saved.activations();
                if (!saved.isClassifier() || acts.get(acts.size() - 1) != Activation.SOFTMAX) {
                    throw new IllegalArgumentException(source + " is not a softmax classifier: " + saved);
                }
                Activation hidden = acts.size() > 1 ? acts.get(0) : Activation.RELU;
                for (int i = 0; i < acts.size() - 1; i++) {
                    if (acts.get(i) != hidden) {
                        throw new IllegalArgumentException(source + ": hidden layers with different activations: " + acts);
                    }
                }
                NetworkSpec spec = new NetworkSpec(saved.sizes(), hidden, "sgd", 0.1, 0, 0, saved.precision(), 0, "auto");
                double[] params;
                try (Network net = saved.network("cpu")) {
                    params = net.parameters();
                }
                FcnnClassificationModel model = new FcnnClassificationModel(meta.uid(), spec, params);
                meta.getAndSetParams(model, meta.getAndSetParams$default$2());
                return model;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the model file " + source + ": " + e.getMessage(), e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a temporary file
                    }
                }
            }
        }
    }
}
