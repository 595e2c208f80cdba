// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.ml;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.fcnn.api.Activation;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.spark.FcnnInputException;
import org.fcnn.spark.NetworkSpec;
import org.fcnn.spark.SparkTrainer;
import org.fcnn.spark.TrainingConfig;
import org.fcnn.spark.TrainingMode;

/**
 * A Spark ML estimator that trains an fcnn classifier (dense hidden layers, a softmax output with cross-entropy)
 * on the executors with {@link SparkTrainer}, and gives a {@link FcnnClassificationModel}.
 *
 * <pre>{@code
 * FcnnClassificationModel model = new FcnnClassifier()
 *         .setHiddenLayers(new int[] {128}).setEpochs(10).setBatchSize(256)
 *         .fit(train);                                  // features: ml.linalg.Vector, label: 0..C-1
 * Dataset<Row> scored = model.transform(test);          // + rawPrediction, probability, prediction
 * }</pre>
 *
 * <p>Columns as Spark's classifiers: {@code featuresCol} (a {@code Vector} of one size), {@code labelCol} (numeric,
 * an integer class in {@code 0..C-1}; {@code C} is {@code numClasses}, or the largest label + 1 when that is 0),
 * {@code predictionCol}, {@code probabilityCol}, {@code rawPredictionCol} (the log-probabilities). Every row is
 * checked before the first step: a wrong-size or null features vector, a NaN or infinite feature, a null,
 * fractional or out-of-range label stops the fit with a {@link FcnnInputException} naming the column, the row, the
 * expected and the found value. Persistence: {@link DefaultParamsWritable}.
 */
public final class FcnnClassifier extends ProbabilisticClassifier<Vector, FcnnClassifier, FcnnClassificationModel>
        implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final IntArrayParam hiddenLayers;
    private final Param<String> activation;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final DoubleParam momentum;
    private final DoubleParam weightDecay;
    private final Param<String> schedule;
    private final IntParam batchSize;
    private final IntParam epochs;
    private final LongParam seed;
    private final Param<String> precision;
    private final Param<String> backend;
    private final Param<String> mode;
    private final IntParam localSteps;
    private final IntParam numClasses;

    public FcnnClassifier() {
        this(Identifiable$.MODULE$.randomUID("fcnnClassifier"));
    }

    public FcnnClassifier(String uid) {
        this(uid, PendingUid.stash(uid));
    }

    private FcnnClassifier(String uid, Void stashed) {
        this.uid = uid;
        PendingUid.clear();
        hiddenLayers = new IntArrayParam(this, "hiddenLayers", "sizes of the hidden layers, each > 0",
                new Validators.PositiveSizes());
        activation = new Param<>(this, "activation", "hidden layers' activation: relu, tanh or sigmoid",
                ParamValidators.inArray(new String[] {"relu", "tanh", "sigmoid"}));
        optimizer = new Param<>(this, "optimizer", "sgd, momentum or adam",
                ParamValidators.inArray(new String[] {"sgd", "momentum", "adam"}));
        learningRate = new DoubleParam(this, "learningRate", "base learning rate, > 0", ParamValidators.gt(0));
        momentum = new DoubleParam(this, "momentum", "momentum of the momentum optimizer, in [0, 1)",
                ParamValidators.inRange(0, 1, true, false));
        weightDecay = new DoubleParam(this, "weightDecay", "L2 weight decay, >= 0", ParamValidators.gtEq(0));
        schedule = new Param<>(this, "schedule", "learning-rate schedule over the epochs: constant or cosine",
                ParamValidators.inArray(new String[] {"constant", "cosine"}));
        batchSize = new IntParam(this, "batchSize", "global mini-batch size (all partitions together), > 0",
                ParamValidators.gt(0));
        epochs = new IntParam(this, "epochs", "passes over the data, > 0", ParamValidators.gt(0));
        seed = new LongParam(this, "seed", "seed of the initial weights and of the batch order");
        precision = new Param<>(this, "precision", "float32 or float64",
                ParamValidators.inArray(new String[] {"float32", "float64"}));
        backend = new Param<>(this, "backend", "fcnn backend on the executors (auto: the best each one has, e.g. cuda "
                + "where a GPU and nn-cuda are present, else cpu)", new Validators.Matches("[a-z][a-z0-9_-]*"));
        mode = new Param<>(this, "mode", "exact (one Spark job per step, equal to single-JVM training), local-steps "
                + "(localSteps steps per partition per job, then averaging) or barrier (one barrier stage for the fit, "
                + "the tasks exchange gradient sums each step; equal to exact; needs a task slot per partition) or "
                + "barrier-local-steps (local-steps' rounds in one barrier stage, the tasks average their "
                + "states among themselves; equal to local-steps; needs a task slot per partition)",
                ParamValidators.inArray(new String[] {"exact", "local-steps", "barrier", "barrier-local-steps"}));
        localSteps = new IntParam(this, "localSteps", "steps per round in the local-steps modes, > 0", ParamValidators.gt(0));
        numClasses = new IntParam(this, "numClasses", "number of classes C (labels 0..C-1); 0: the largest label + 1",
                ParamValidators.gtEq(0));
        setDefault(hiddenLayers, new int[] {128});
        setDefault(activation, "relu");
        setDefault(optimizer, "adam");
        setDefault(learningRate, 1e-3);
        setDefault(momentum, 0.9);
        setDefault(weightDecay, 0.0);
        setDefault(schedule, "constant");
        setDefault(batchSize, 256);
        setDefault(epochs, 10);
        setDefault(seed, 42L);
        setDefault(precision, "float32");
        setDefault(backend, "auto");
        setDefault(mode, "exact");
        setDefault(localSteps, 16);
        setDefault(numClasses, 0);
    }

    @Override
    public String uid() {
        return uid != null ? uid : PendingUid.get();
    }

    @Override
    public FcnnClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    // ------------------------------------------------------------------ params

    public IntArrayParam hiddenLayers() {
        return hiddenLayers;
    }

    public Param<String> activation() {
        return activation;
    }

    public Param<String> optimizer() {
        return optimizer;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public DoubleParam momentum() {
        return momentum;
    }

    public DoubleParam weightDecay() {
        return weightDecay;
    }

    public Param<String> schedule() {
        return schedule;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam epochs() {
        return epochs;
    }

    public LongParam seed() {
        return seed;
    }

    public Param<String> precision() {
        return precision;
    }

    public Param<String> backend() {
        return backend;
    }

    public Param<String> mode() {
        return mode;
    }

    public IntParam localSteps() {
        return localSteps;
    }

    public IntParam numClasses() {
        return numClasses;
    }

    public int[] getHiddenLayers() {
        return (int[]) $(hiddenLayers);
    }

    public String getActivation() {
        return $(activation);
    }

    public String getOptimizer() {
        return $(optimizer);
    }

    public double getLearningRate() {
        return (Double) $(learningRate);
    }

    public double getMomentum() {
        return (Double) $(momentum);
    }

    public double getWeightDecay() {
        return (Double) $(weightDecay);
    }

    public String getSchedule() {
        return $(schedule);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public int getEpochs() {
        return (Integer) $(epochs);
    }

    public long getSeed() {
        return (Long) $(seed);
    }

    public String getPrecision() {
        return $(precision);
    }

    public String getBackend() {
        return $(backend);
    }

    public String getMode() {
        return $(mode);
    }

    public int getLocalSteps() {
        return (Integer) $(localSteps);
    }

    public int getNumClasses() {
        return (Integer) $(numClasses);
    }

    public FcnnClassifier setHiddenLayers(int[] value) {
        return with(hiddenLayers, value);
    }

    public FcnnClassifier setActivation(String value) {
        return with(activation, value);
    }

    public FcnnClassifier setOptimizer(String value) {
        return with(optimizer, value);
    }

    public FcnnClassifier setLearningRate(double value) {
        return with(learningRate, value);
    }

    public FcnnClassifier setMomentum(double value) {
        return with(momentum, value);
    }

    public FcnnClassifier setWeightDecay(double value) {
        return with(weightDecay, value);
    }

    public FcnnClassifier setSchedule(String value) {
        return with(schedule, value);
    }

    public FcnnClassifier setBatchSize(int value) {
        return with(batchSize, value);
    }

    public FcnnClassifier setEpochs(int value) {
        return with(epochs, value);
    }

    public FcnnClassifier setSeed(long value) {
        return with(seed, value);
    }

    public FcnnClassifier setPrecision(String value) {
        return with(precision, value);
    }

    public FcnnClassifier setBackend(String value) {
        return with(backend, value);
    }

    public FcnnClassifier setMode(String value) {
        return with(mode, value);
    }

    public FcnnClassifier setLocalSteps(int value) {
        return with(localSteps, value);
    }

    public FcnnClassifier setNumClasses(int value) {
        return with(numClasses, value);
    }

    private <T> FcnnClassifier with(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    // ------------------------------------------------------------------ training

    /** The network this estimator trains on data of {@code inputs} features and {@code classes} classes. */
    public NetworkSpec networkSpec(int inputs, int classes) {
        int[] hidden = getHiddenLayers();
        int[] sizes = new int[hidden.length + 2];
        sizes[0] = inputs;
        System.arraycopy(hidden, 0, sizes, 1, hidden.length);
        sizes[sizes.length - 1] = classes;
        return new NetworkSpec(sizes, Activation.parse(getActivation()), getOptimizer(), getLearningRate(), getMomentum(),
                getWeightDecay(), Precision.parse(getPrecision()), getSeed(), getBackend());
    }

    /** The training loop's settings from the params. */
    public TrainingConfig trainingConfig() {
        return new TrainingConfig(getEpochs(), getBatchSize(), getSeed(), TrainingConfig.schedule(getSchedule()),
                TrainingMode.of(getMode()), getLocalSteps());
    }

    @Override
    public FcnnClassificationModel train(Dataset<?> dataset) {
        String f = getFeaturesCol();
        String l = getLabelCol();
        int inputs = featureCount(dataset, f);
        int classes = getNumClasses() > 0 ? getNumClasses() : classCount(dataset, l);
        NetworkSpec spec = networkSpec(inputs, classes);
        SparkTrainer.Prepared data = SparkTrainer.prepare(dataset, f, l, inputs, classes);
        try {
            SparkTrainer.Result r = SparkTrainer.fit(
                    JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()), data, spec, trainingConfig());
            double[] params;
            try (Network net = r.network()) {
                params = net.parameters();
            }
            return new FcnnClassificationModel(uid(), spec, params).withTraining(r);
        } finally {
            data.release();
        }
    }

    /** The features vectors' size: from the column's ML attributes, else the first non-null row's vector. */
    static int featureCount(Dataset<?> dataset, String column) {
        AttributeGroup group = AttributeGroup.fromStructField(dataset.schema().apply(column));
        if (group.size() > 0) {
            return group.size();
        }
        Row[] first = (Row[]) dataset.select(column).where(functions.col(column).isNotNull()).take(1);
        if (first.length == 0) {
            throw new FcnnInputException("column '" + column + "': expected feature vectors, found no non-null row");
        }
        int size = ((Vector) first[0].get(0)).size();
        if (size == 0) {
            throw new FcnnInputException("column '" + column + "': expected vectors of at least 1 value, found size 0");
        }
        return size;
    }

    /** The largest label + 1, when it is a whole number in a sensible range. */
    static int classCount(Dataset<?> dataset, String column) {
        Row r = dataset.agg(functions.max(functions.col(column).cast("double"))).first();
        if (r.isNullAt(0)) {
            throw new FcnnInputException("column '" + column + "': expected integer classes 0..C-1, found no non-null label");
        }
        double max = r.getDouble(0);
        if (!(max >= 0 && max < 1 << 20) || max != Math.rint(max)) {
            throw new FcnnInputException("column '" + column + "': expected integer classes 0..C-1 (set numClasses "
                    + "to say C), found the largest label " + max);
        }
        int classes = (int) max + 1;
        return Math.max(classes, 2);
    }

    /** Reads an estimator saved with {@link #write()}. */
    public static MLReader<FcnnClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static FcnnClassifier load(String path) {
        return read().load(path);
    }
}
