// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;

/**
 * An ONNX model read by {@link OnnxImport} and validated as a plain multi-layer perceptron: its architecture,
 * parameters and metadata, ready to become a {@link Network} on any backend. Immutable.
 *
 * <p>The architecture comes from the graph: one dense layer per {@code Gemm} or {@code MatMul}, with the
 * activation node that follows it. For a model that fcnn wrote ({@code producer_name} {@code fcnn}), the
 * {@code metadata_props} add what the graph cannot hold: the loss, frozen biases and the dropout rates (for
 * further training). For other producers the loss is softmax cross-entropy after a softmax output and squared
 * error otherwise, biases are trainable and there is no dropout.
 */
public final class OnnxModel {
    private final Path file;
    private final long irVersion;
    private final long opsetVersion;
    private final String producerName;
    private final String producerVersion;
    private final GraphReader.Graph graph;
    private final List<String> biasKinds;
    private final double[] dropout;
    private final Loss loss;
    private final Map<String, String> metadata;

    OnnxModel(Path file, long irVersion, long opsetVersion, String producerName, String producerVersion,
              GraphReader.Graph graph, List<String> biasKinds, double[] dropout, Loss loss,
              Map<String, String> metadata) {
        this.file = file;
        this.irVersion = irVersion;
        this.opsetVersion = opsetVersion;
        this.producerName = producerName;
        this.producerVersion = producerVersion;
        this.graph = graph;
        this.biasKinds = List.copyOf(biasKinds);
        this.dropout = dropout.clone();
        this.loss = loss;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The file it was read from. */
    public Path file() {
        return file;
    }

    /** The model's ONNX IR version. */
    public long irVersion() {
        return irVersion;
    }

    /** The version of the default ONNX operator set the model imports. */
    public long opsetVersion() {
        return opsetVersion;
    }

    /** The tool that wrote the model, e.g. {@code fcnn} or {@code pytorch} ({@code ""} if not recorded). */
    public String producerName() {
        return producerName;
    }

    /** The version of that tool ({@code ""} if not recorded). */
    public String producerVersion() {
        return producerVersion;
    }

    /** The name of the graph's input, {@code [batch, inputSize()]}. */
    public String inputName() {
        return graph.inputName();
    }

    /** The name of the graph's output, {@code [batch, outputSize()]}. */
    public String outputName() {
        return graph.outputName();
    }

    /** The input size, then each layer's size, e.g. {@code [4, 8, 3]}. */
    public int[] sizes() {
        int[] sizes = new int[graph.layers().size() + 1];
        sizes[0] = graph.layers().get(0).inputs();
        for (int i = 0; i < graph.layers().size(); i++) {
            sizes[i + 1] = graph.layers().get(i).outputs();
        }
        return sizes;
    }

    public int inputSize() {
        return graph.layers().get(0).inputs();
    }

    public int outputSize() {
        return graph.layers().get(graph.layers().size() - 1).outputs();
    }

    /** The number of dense layers. */
    public int layerCount() {
        return graph.layers().size();
    }

    /** One activation per layer. */
    public List<Activation> activations() {
        return graph.layers().stream().map(GraphReader.DenseLayer::activation).toList();
    }

    /** One bias kind per layer: {@code trainable}, {@code frozen} or {@code none}. */
    public List<String> biasKinds() {
        return biasKinds;
    }

    /** The dropout rate of layer {@code index} for further training (0 if none; never used in predictions). */
    public double dropout(int index) {
        return dropout[checkIndex(index)];
    }

    /** Layer {@code index}'s weights, row-major {@code [outputs x inputs]} (a copy). */
    public double[] weights(int index) {
        return graph.layers().get(checkIndex(index)).weights().clone();
    }

    /** Layer {@code index}'s biases {@code [outputs]} (a copy), or {@code null} if it has none. */
    public double[] biases(int index) {
        double[] b = graph.layers().get(checkIndex(index)).biases();
        return b == null ? null : b.clone();
    }

    public Loss loss() {
        return loss;
    }

    /** FLOAT32 for a model of FLOAT tensors, FLOAT64 for DOUBLE. */
    public Precision precision() {
        return graph.precision();
    }

    /** Whether the output is a softmax over classes (then {@link #outputSize()} is the number of classes). */
    public boolean isClassifier() {
        return graph.layers().get(graph.layers().size() - 1).activation() == Activation.SOFTMAX;
    }

    /** The model's {@code metadata_props} in file order, all of them (architecture entries and extra entries alike). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Builds the network on the backend called {@code backendName} ({@code null} or {@code auto}: the selected one). */
    public Network network(String backendName) {
        Network.Builder b = builder(precision());
        if (backendName != null) {
            b.backend(backendName);
        }
        return fill(b.build());
    }

    /** Builds the network on {@code backend}, which the caller keeps and closes. */
    public Network network(Backend backend) {
        return network(backend, precision());
    }

    /** Builds the network on {@code backend} in another precision (values are converted). */
    public Network network(Backend backend, Precision precision) {
        return fill(builder(precision).backend(backend).build());
    }

    private Network.Builder builder(Precision p) {
        Network.Builder b = Network.builder().input(inputSize()).loss(loss).precision(p);
        for (int i = 0; i < graph.layers().size(); i++) {
            GraphReader.DenseLayer l = graph.layers().get(i);
            Bias bias = switch (biasKinds.get(i)) {
                case "none" -> Bias.none();
                case "frozen" -> Bias.frozen(0);
                default -> Bias.trainable();
            };
            b.dense(l.outputs(), l.activation(), bias);
            if (dropout[i] > 0) {
                b.dropout(dropout[i]);
            }
        }
        return b;
    }

    private Network fill(Network net) {
        try {
            for (int i = 0; i < graph.layers().size(); i++) {
                GraphReader.DenseLayer l = graph.layers().get(i);
                net.layer(i).setWeights(l.weights());
                if (l.biases() != null) {
                    net.layer(i).setBiases(l.biases());
                }
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= graph.layers().size()) {
            throw new IndexOutOfBoundsException("layer " + index + " of a model with " + graph.layers().size()
                    + " layers");
        }
        return index;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("OnnxModel(").append(inputSize());
        for (GraphReader.DenseLayer l : graph.layers()) {
            sb.append(" -> ").append(l.outputs()).append(' ').append(l.activation().id());
        }
        return sb.append(", ").append(loss.id()).append(", ").append(precision()).append(", from ")
                .append(producerName.isEmpty() ? "an unnamed producer" : producerName).append(')').toString();
    }
}
