// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.io.SafeTensors.DType;
import org.fcnn.io.SafeTensors.Tensor;
import org.fcnn.spi.Backend;

/**
 * Saves and loads {@link Network}s as safetensors files.
 *
 * <p>Tensors: {@code layers.N.weight} {@code [out, in]} and {@code layers.N.bias} {@code [out]} for each dense
 * layer {@code N} (0 is the first after the input), in that order, dtype {@code F32} or {@code F64} as the
 * network's precision. The weight layout is PyTorch's {@code nn.Linear.weight}. A layer without a bias has no
 * bias tensor; a frozen bias is stored like a trainable one.
 *
 * <p>The architecture goes into {@code __metadata__} (strings, as the format requires):
 * <pre>
 * format          fcnn
 * format_version  1
 * sizes           784,256,10                  input size, then each layer's size
 * activations     relu,softmax                one per layer
 * biases          trainable,trainable         trainable, frozen or none, one per layer
 * dropout         0.2,0                       one rate per layer (used when training again)
 * loss            softmax_cross_entropy       or squared_error
 * precision       float32                     or float64
 * </pre>
 * Further entries given to {@link #save(Network, Path, Map)} (e.g. class names) are kept and returned by
 * {@link SavedModel#metadata()}.
 *
 * <p>A model saved on one backend loads on any other: {@code ModelFile.load(path, "cpu")} or
 * {@code ModelFile.read(path).network(backend)}.
 */
public final class ModelFile {
    /** The value of {@code format} in the metadata. */
    public static final String FORMAT = "fcnn";
    /** The format version this library writes and reads. */
    public static final int FORMAT_VERSION = 1;

    static final Set<String> RESERVED = Set.of("format", "format_version", "sizes", "activations", "biases",
            "dropout", "loss", "precision");

    private ModelFile() {
    }

    /** The name of layer {@code index}'s weight tensor: {@code layers.<index>.weight}. */
    public static String weightName(int index) {
        return "layers." + index + ".weight";
    }

    /** The name of layer {@code index}'s bias tensor: {@code layers.<index>.bias}. */
    public static String biasName(int index) {
        return "layers." + index + ".bias";
    }

    /** Saves {@code network} to {@code file}, atomically. */
    public static void save(Network network, Path file) throws IOException {
        save(network, file, Map.of());
    }

    /**
     * Saves {@code network} to {@code file}, atomically, with extra metadata entries (which must not use the
     * reserved keys listed in the class description).
     */
    public static void save(Network network, Path file, Map<String, String> extraMetadata) throws IOException {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(file, "file");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", String.valueOf(FORMAT_VERSION));
        meta.putAll(architecture(network));
        for (Map.Entry<String, String> e : extraMetadata.entrySet()) {
            if (RESERVED.contains(e.getKey())) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved for the architecture");
            }
            meta.put(e.getKey(), e.getValue());
        }
        boolean f32 = network.precision() == Precision.FLOAT32;
        List<Tensor> tensors = new ArrayList<>();
        for (Layer l : network.layers()) {
            long[] wShape = {l.outputs(), l.inputs()};
            long[] bShape = {l.outputs()};
            double[] w = l.weights();
            tensors.add(f32 ? Tensor.ofFloats(weightName(l.index()), wShape, toFloats(w))
                    : Tensor.ofDoubles(weightName(l.index()), wShape, w));
            if (l.bias().isPresent()) {
                double[] b = l.biases();
                tensors.add(f32 ? Tensor.ofFloats(biasName(l.index()), bShape, toFloats(b))
                        : Tensor.ofDoubles(biasName(l.index()), bShape, b));
            }
        }
        SafeTensors.write(file, meta, tensors);
    }

    /**
     * Reads and validates a model file without building a network: the architecture, the parameters and the
     * metadata.
     *
     * @throws ModelFileException if the file is not a valid safetensors file or does not describe an fcnn
     *                            network whose tensors have the right names, dtypes and shapes
     */
    public static SavedModel read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        return SavedModel.of(file, c);
    }

    /** Loads a network on the backend called {@code backendName} ({@code auto} or null: the selected one). */
    public static Network load(Path file, String backendName) throws IOException {
        return read(file).network(backendName);
    }

    /** Loads a network on {@code backend}, which the caller keeps and closes. */
    public static Network load(Path file, Backend backend) throws IOException {
        return read(file).network(backend);
    }

    /** Loads a network on the selected backend (see {@link org.fcnn.api.Backends#open()}). */
    public static Network load(Path file) throws IOException {
        return read(file).network((String) null);
    }

    /**
     * {@code network}'s architecture as the model file's metadata states it, in this order: {@code sizes}
     * ({@code 784,128,10}), {@code activations}, {@code biases} ({@code trainable}, {@code frozen} or
     * {@code none} per layer), {@code dropout}, {@code loss} and {@code precision}; also what the ONNX export
     * writes into {@code metadata_props}.
     */
    public static Map<String, String> architecture(Network network) {
        List<String> activations = new ArrayList<>();
        List<String> biases = new ArrayList<>();
        List<String> dropout = new ArrayList<>();
        for (Layer l : network.layers()) {
            activations.add(l.activation().id());
            biases.add(biasKind(l.bias()));
            dropout.add(l.dropout() == 0 ? "0" : String.valueOf(l.dropout()));
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sizes", join(network.sizes()));
        m.put("activations", String.join(",", activations));
        m.put("biases", String.join(",", biases));
        m.put("dropout", String.join(",", dropout));
        m.put("loss", network.loss().id());
        m.put("precision", network.precision().name().toLowerCase(Locale.ROOT));
        return m;
    }

    static String biasKind(Bias bias) {
        return !bias.isPresent() ? "none" : bias.isTrainable() ? "trainable" : "frozen";
    }

    private static String join(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * A model read from a file and validated: its architecture, parameters and metadata, ready to become a
     * {@link Network} on any backend.
     */
    public static final class SavedModel {
        private final Path file;
        private final int[] sizes;
        private final List<Activation> activations;
        private final List<String> biasKinds;
        private final double[] dropout;
        private final Loss loss;
        private final Precision precision;
        private final Map<String, String> metadata;
        private final List<double[]> weights;
        private final List<double[]> biases;

        private SavedModel(Path file, int[] sizes, List<Activation> activations, List<String> biasKinds,
                           double[] dropout, Loss loss, Precision precision, Map<String, String> metadata,
                           List<double[]> weights, List<double[]> biases) {
            this.file = file;
            this.sizes = sizes;
            this.activations = List.copyOf(activations);
            this.biasKinds = List.copyOf(biasKinds);
            this.dropout = dropout;
            this.loss = loss;
            this.precision = precision;
            this.metadata = metadata;
            this.weights = weights;
            this.biases = biases;
        }

        static SavedModel of(Path file, SafeTensors.Contents c) throws ModelFileException {
            Map<String, String> m = c.metadata();
            String format = m.get("format");
            if (!FORMAT.equals(format)) {
                throw new ModelFileException(file, format == null ? "no fcnn architecture in __metadata__ (missing "
                        + "\"format\": \"fcnn\"); was it saved by fcnn?" : "metadata format is \"" + format
                        + "\", expected \"" + FORMAT + "\"");
            }
            String version = require(file, m, "format_version");
            if (!version.equals(String.valueOf(FORMAT_VERSION))) {
                throw new ModelFileException(file, "format_version " + version + " is not supported; this version "
                        + "of fcnn reads format_version " + FORMAT_VERSION);
            }
            String[] sizeText = require(file, m, "sizes").split(",", -1);
            if (sizeText.length < 2) {
                throw new ModelFileException(file, "sizes \"" + m.get("sizes") + "\" needs an input size and at "
                        + "least one layer size");
            }
            int[] sizes = new int[sizeText.length];
            for (int i = 0; i < sizes.length; i++) {
                try {
                    sizes[i] = Integer.parseInt(sizeText[i].trim());
                } catch (NumberFormatException e) {
                    sizes[i] = -1;
                }
                if (sizes[i] <= 0) {
                    throw new ModelFileException(file, "sizes \"" + m.get("sizes") + "\": '" + sizeText[i]
                            + "' is not a positive integer");
                }
            }
            int layers = sizes.length - 1;
            String[] act = list(file, m, "activations", layers);
            String[] bias = list(file, m, "biases", layers);
            String[] drop = m.containsKey("dropout") ? list(file, m, "dropout", layers) : null;
            List<Activation> activations = new ArrayList<>();
            double[] dropout = new double[layers];
            for (int i = 0; i < layers; i++) {
                try {
                    activations.add(Activation.parse(act[i]));
                } catch (IllegalArgumentException e) {
                    throw new ModelFileException(file, "layer " + i + ": " + e.getMessage());
                }
                if (!Set.of("trainable", "frozen", "none").contains(bias[i])) {
                    throw new ModelFileException(file, "layer " + i + ": bias kind '" + bias[i]
                            + "' is not trainable, frozen or none");
                }
                if (drop != null) {
                    try {
                        dropout[i] = Double.parseDouble(drop[i]);
                    } catch (NumberFormatException e) {
                        dropout[i] = Double.NaN;
                    }
                    if (!(dropout[i] >= 0 && dropout[i] < 1)) {
                        throw new ModelFileException(file, "layer " + i + ": dropout '" + drop[i]
                                + "' is not a rate in [0, 1)");
                    }
                }
            }
            for (int i = 0; i < layers - 1; i++) {
                if (activations.get(i) == Activation.SOFTMAX) {
                    throw new ModelFileException(file, "layer " + i + ": softmax is only supported on the output layer");
                }
            }
            if (dropout[layers - 1] != 0) {
                throw new ModelFileException(file, "dropout on the output layer is not supported");
            }
            Loss loss;
            Precision precision;
            try {
                loss = Loss.parse(require(file, m, "loss"));
                precision = Precision.parse(require(file, m, "precision"));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, e.getMessage());
            }
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY && activations.get(layers - 1) != Activation.SOFTMAX) {
                throw new ModelFileException(file, "loss softmax_cross_entropy needs a softmax output layer, got "
                        + activations.get(layers - 1).id());
            }
            DType dtype = precision == Precision.FLOAT32 ? DType.F32 : DType.F64;
            List<double[]> weights = new ArrayList<>();
            List<double[]> biases = new ArrayList<>();
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < layers; i++) {
                expected.add(weightName(i));
                weights.add(values(file, c, weightName(i), dtype, new long[] {sizes[i + 1], sizes[i]}));
                if (bias[i].equals("none")) {
                    biases.add(null);
                } else {
                    expected.add(biasName(i));
                    biases.add(values(file, c, biasName(i), dtype, new long[] {sizes[i + 1]}));
                }
            }
            for (Tensor t : c.tensors()) {
                if (!expected.contains(t.name())) {
                    throw new ModelFileException(file, "unexpected tensor \"" + t.name() + "\" for a network of "
                            + layers + " layers with biases " + String.join(",", bias));
                }
            }
            Map<String, String> meta = new LinkedHashMap<>(m);
            return new SavedModel(file, sizes, activations, List.of(bias), dropout, loss, precision,
                    java.util.Collections.unmodifiableMap(meta), weights, biases);
        }

        private static String require(Path file, Map<String, String> m, String key) throws ModelFileException {
            String v = m.get(key);
            if (v == null) {
                throw new ModelFileException(file, "metadata has no \"" + key + "\"");
            }
            return v;
        }

        private static String[] list(Path file, Map<String, String> m, String key, int count) throws ModelFileException {
            String[] parts = require(file, m, key).split(",", -1);
            if (parts.length != count) {
                throw new ModelFileException(file, key + " \"" + m.get(key) + "\" has " + parts.length
                        + " entries for " + count + " layers");
            }
            for (int i = 0; i < parts.length; i++) {
                parts[i] = parts[i].trim();
            }
            return parts;
        }

        private static double[] values(Path file, SafeTensors.Contents c, String name, DType dtype, long[] shape)
                throws ModelFileException {
            Tensor t = c.tensor(name);
            if (t == null) {
                throw new ModelFileException(file, "missing tensor \"" + name + "\"");
            }
            if (t.dtype() != dtype) {
                throw new ModelFileException(file, "tensor \"" + name + "\" is " + t.dtype() + ", but the model's "
                        + "precision needs " + dtype);
            }
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new ModelFileException(file, "tensor \"" + name + "\" has shape "
                        + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(shape));
            }
            double[] v = t.toDoubles();
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    throw new ModelFileException(file, "tensor \"" + name + "\" element " + i + " is " + v[i]);
                }
            }
            return v;
        }

        /** The file it was read from. */
        public Path file() {
            return file;
        }

        /** The input size, then each layer's size. */
        public int[] sizes() {
            return sizes.clone();
        }

        public int inputSize() {
            return sizes[0];
        }

        public int outputSize() {
            return sizes[sizes.length - 1];
        }

        /** One activation per layer. */
        public List<Activation> activations() {
            return activations;
        }

        /** One bias kind per layer: {@code trainable}, {@code frozen} or {@code none}. */
        public List<String> biasKinds() {
            return biasKinds;
        }

        public Loss loss() {
            return loss;
        }

        public Precision precision() {
            return precision;
        }

        /** Whether the output is a softmax over classes (then {@link #outputSize()} is the number of classes). */
        public boolean isClassifier() {
            return activations.get(activations.size() - 1) == Activation.SOFTMAX;
        }

        /** The whole metadata map, architecture entries and extra entries alike. */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** Builds the network on the backend called {@code backendName} ({@code null} or {@code auto}: selected). */
        public Network network(String backendName) {
            Network.Builder b = builder(precision);
            b = backendName == null ? b : b.backend(backendName);
            return fill(b.build());
        }

        /** Builds the network on {@code backend}, which the caller keeps and closes. */
        public Network network(Backend backend) {
            return network(backend, precision);
        }

        /** Builds the network on {@code backend} in another precision (values are converted). */
        public Network network(Backend backend, Precision precision) {
            return fill(builder(precision).backend(backend).build());
        }

        private Network.Builder builder(Precision p) {
            Network.Builder b = Network.builder().input(sizes[0]).loss(loss).precision(p);
            for (int i = 0; i < activations.size(); i++) {
                Bias bias = switch (biasKinds.get(i)) {
                    case "none" -> Bias.none();
                    case "frozen" -> Bias.frozen(0);
                    default -> Bias.trainable();
                };
                b.dense(sizes[i + 1], activations.get(i), bias);
                if (dropout[i] > 0) {
                    b.dropout(dropout[i]);
                }
            }
            return b;
        }

        private Network fill(Network net) {
            try {
                for (int i = 0; i < weights.size(); i++) {
                    net.layer(i).setWeights(weights.get(i));
                    if (biases.get(i) != null) {
                        net.layer(i).setBiases(biases.get(i));
                    }
                }
                return net;
            } catch (RuntimeException e) {
                net.close();
                throw e;
            }
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("SavedModel(").append(sizes[0]);
            for (int i = 0; i < activations.size(); i++) {
                sb.append(" -> ").append(sizes[i + 1]).append(' ').append(activations.get(i).id());
            }
            return sb.append(", ").append(loss.id()).append(", ").append(precision).append(')').toString();
        }
    }
}
