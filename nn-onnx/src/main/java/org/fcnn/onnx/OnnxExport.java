// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.fcnn.api.Activation;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;
import org.fcnn.io.AtomicFiles;
import org.fcnn.onnx.proto.OnnxProtos.AttributeProto;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.NodeProto;
import org.fcnn.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.fcnn.onnx.proto.OnnxProtos.StringStringEntryProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorShapeProto;
import org.fcnn.onnx.proto.OnnxProtos.TypeProto;
import org.fcnn.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Writes a {@link Network} as an ONNX model that ONNX Runtime (and any other ONNX engine) runs with the same
 * results as {@link Network#predict}.
 *
 * <p>The graph, for a network of {@code L} dense layers:
 * <pre>
 * input  "input"  [batch, sizes[0]]             FLOAT (float32 networks) or DOUBLE (float64)
 * layer i:  Gemm "layers.i.gemm"   (x, layers.i.weight [out, in], layers.i.bias [out]; transB = 1)
 *           then Relu / Sigmoid / Tanh / Softmax (axis = -1) "layers.i.ACTIVATION"; no node for identity
 * output "output" [batch, sizes[L]]
 * </pre>
 * {@code batch} is a symbolic dimension ({@code dim_param}), so any batch size runs. The weights are stored as
 * fcnn and PyTorch hold them, {@code [out, in]} row-major (hence {@code transB = 1}), in {@code raw_data},
 * little-endian, in the network's precision. A layer without a bias ({@link Bias#none()}) has a {@code Gemm}
 * with two inputs; a frozen bias is stored like a trainable one. Dropout is an identity at inference and has
 * no node. The model declares IR version {@value #IR_VERSION} and the default operator set at version
 * {@value #OPSET_VERSION}; {@code producer_name} is {@value #PRODUCER_NAME} and {@code producer_version}
 * fcnn's version.
 *
 * <p>{@code metadata_props} hold the caller's extra entries first, then the architecture, last and in this
 * order: {@code sizes} ({@code 784,256,10}), {@code activations} ({@code relu,softmax}), {@code biases}
 * ({@code trainable}, {@code frozen} or {@code none} per layer), {@code dropout} (per layer), {@code loss},
 * {@code precision} and {@code fcnn_version}; {@link OnnxImport} uses them to restore what the graph alone
 * cannot say (the loss, frozen biases, dropout rates for further training) and to detect a truncated file.
 *
 * <p>Files are written atomically (see {@link AtomicFiles}): a reader finds the old file or the whole new one.
 */
public final class OnnxExport {
    /** The ONNX IR version written: 7, the one that goes with opset 13. */
    public static final int IR_VERSION = 7;
    /** The version of the default ONNX operator set the graph uses. */
    public static final int OPSET_VERSION = 13;
    /** The {@code producer_name} of every exported model. */
    public static final String PRODUCER_NAME = "fcnn";
    /** The name of the graph's input, {@code [batch, inputs]}. */
    public static final String INPUT_NAME = "input";
    /** The name of the graph's output, {@code [batch, outputs]}. */
    public static final String OUTPUT_NAME = "output";
    /** The symbolic name of the batch dimension of the input and output. */
    public static final String BATCH_DIMENSION = "batch";
    /** The {@code metadata_props} keys that describe the architecture; extra entries cannot use them. */
    public static final Set<String> RESERVED_METADATA_KEYS = Set.copyOf(Metadata.KEYS);

    private OnnxExport() {
    }

    /** Writes {@code network} to {@code file} as an ONNX model, atomically. */
    public static void write(Network network, Path file) throws IOException {
        write(network, file, Map.of());
    }

    /**
     * Writes {@code network} to {@code file} as an ONNX model, atomically, with extra {@code metadata_props}
     * entries (e.g. class names), which must not use {@link #RESERVED_METADATA_KEYS}.
     *
     * @throws IllegalArgumentException if an extra key is reserved
     * @throws IllegalStateException    if the network is closed
     * @throws IOException              if the file cannot be written; it is then unchanged
     */
    public static void write(Network network, Path file, Map<String, String> extraMetadata) throws IOException {
        Objects.requireNonNull(file, "file");
        byte[] bytes = toBytes(network, extraMetadata);
        AtomicFiles.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
    }

    /** The ONNX model of {@code network}, serialized (what {@link #write(Network, Path)} writes). */
    public static byte[] toBytes(Network network) {
        return toBytes(network, Map.of());
    }

    /** The ONNX model of {@code network} with extra metadata, serialized. */
    public static byte[] toBytes(Network network, Map<String, String> extraMetadata) {
        return model(network, extraMetadata).toByteArray();
    }

    static ModelProto model(Network network, Map<String, String> extraMetadata) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(extraMetadata, "extraMetadata");
        for (String key : extraMetadata.keySet()) {
            if (RESERVED_METADATA_KEYS.contains(Objects.requireNonNull(key, "metadata key"))) {
                throw new IllegalArgumentException("metadata key '" + key + "' is reserved for the architecture");
            }
        }
        GraphProto graph = graph(network);
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER_NAME)
                .setProducerVersion(FcnnVersion.get())
                .setDocString("fcnn network " + describe(network))
                .setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET_VERSION));
        Map<String, String> meta = new LinkedHashMap<>();
        extraMetadata.forEach((k, v) -> meta.put(k, Objects.requireNonNull(v, "metadata value of " + k)));
        meta.putAll(Metadata.of(network, FcnnVersion.get()));
        meta.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    private static GraphProto graph(Network network) {
        int type = Tensors.dataType(network.precision());
        GraphProto.Builder g = GraphProto.newBuilder().setName("fcnn")
                .addInput(value(INPUT_NAME, type, network.inputSize()))
                .addOutput(value(OUTPUT_NAME, type, network.outputSize()));
        String x = INPUT_NAME;
        List<Layer> layers = network.layers();
        for (Layer l : layers) {
            boolean last = l.index() == layers.size() - 1;
            String prefix = "layers." + l.index();
            String weight = prefix + ".weight";
            g.addInitializer(Tensors.write(weight, new long[] {l.outputs(), l.inputs()}, l.weights(),
                    network.precision()));
            List<String> inputs = new ArrayList<>(List.of(x, weight));
            if (l.bias().isPresent()) {
                String bias = prefix + ".bias";
                g.addInitializer(Tensors.write(bias, new long[] {l.outputs()}, l.biases(), network.precision()));
                inputs.add(bias);
            }
            String op = opType(l.activation());
            String linear = last && op == null ? OUTPUT_NAME : prefix + ".linear";
            g.addNode(NodeProto.newBuilder().setName(prefix + ".gemm").setOpType("Gemm").addAllInput(inputs)
                    .addOutput(linear).addAttribute(intAttribute("transB", 1)));
            x = linear;
            if (op != null) {
                String out = last ? OUTPUT_NAME : prefix + "." + l.activation().id();
                NodeProto.Builder n = NodeProto.newBuilder().setName(prefix + "." + l.activation().id())
                        .setOpType(op).addInput(linear).addOutput(out);
                if (l.activation() == Activation.SOFTMAX) {
                    n.addAttribute(intAttribute("axis", -1));
                }
                g.addNode(n);
                x = out;
            }
        }
        return g.build();
    }

    /** The ONNX operator of an activation, or {@code null} for the identity. */
    static String opType(Activation a) {
        return switch (a) {
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
            case RELU -> "Relu";
            case SOFTMAX -> "Softmax";
            case IDENTITY -> null;
        };
    }

    private static ValueInfoProto value(String name, int elemType, int features) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIMENSION))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(features))
                .build();
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static String describe(Network network) {
        StringBuilder sb = new StringBuilder().append(network.inputSize());
        for (Layer l : network.layers()) {
            sb.append(" -> ").append(l.outputs()).append(' ').append(l.activation().id());
        }
        return sb.append(", ").append(network.loss().id()).append(", ")
                .append(network.precision().name().toLowerCase(Locale.ROOT)).toString();
    }
}
