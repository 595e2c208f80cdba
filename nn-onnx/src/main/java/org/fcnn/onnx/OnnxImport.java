// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Network;
import org.fcnn.io.ModelFileException;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.fcnn.onnx.proto.OnnxProtos.StringStringEntryProto;
import org.fcnn.spi.Backend;

/**
 * Reads ONNX models of plain multi-layer perceptrons, such as {@code torch.onnx.export} writes for an
 * {@code nn.Sequential} of {@code nn.Linear} and activations, or {@link OnnxExport} writes, into
 * {@link Network}s on any backend.
 *
 * <pre>{@code
 * OnnxModel model = OnnxImport.read(Path.of("mlp.onnx"));     // validated; no backend touched yet
 * try (Network net = model.network("cpu")) {
 *     double[] y = net.predict(x);
 * }
 * }</pre>
 *
 * <p>What is read: a graph with one input {@code [batch, features]} of FLOAT or DOUBLE and one output, whose
 * nodes form one chain of layers. A layer is a {@code Gemm} ({@code transB} 0 or 1, {@code transA = 0},
 * {@code alpha = beta = 1}, with or without a bias {@code C}) or a {@code MatMul} and an optional {@code Add} of
 * a bias, followed by {@code Relu}, {@code Sigmoid}, {@code Tanh}, {@code Softmax} (over the last axis, output
 * layer only) or no activation. {@code Identity} and {@code Dropout} nodes pass their input on (inference);
 * parameters are initializers or {@code Constant} nodes, with their values in {@code raw_data} or in
 * {@code float_data}/{@code double_data}. Default-domain operator sets 7 and later are read.
 *
 * <p>Anything else is refused with an {@link UnsupportedOnnxModelException} that names the first node
 * ({@code node 'NAME' (OP_TYPE)}), value or type that cannot be taken. A file that is not a valid ONNX model
 * (garbage, truncated, a tensor whose dims do not match its data, a file of fcnn whose architecture metadata is
 * incomplete) is an {@link OnnxFormatException}. Reading never allocates more than the file's size allows: the
 * file is read whole only if it is at most {@link #DEFAULT_MAX_FILE_BYTES} (or the limit given), and each
 * tensor's element count is checked against its data before any array is made.
 */
public final class OnnxImport {
    /** The largest file {@link #read(Path)} reads: 1 GiB (far above any MLP fcnn trains). */
    public static final long DEFAULT_MAX_FILE_BYTES = 1L << 30;
    /** The hard limit of protocol buffers: a message of 2 GiB or more cannot be parsed. */
    private static final long PROTOBUF_LIMIT = Integer.MAX_VALUE - 8;
    /** The oldest default-domain operator set read. */
    public static final int MIN_OPSET_VERSION = 7;

    private OnnxImport() {
    }

    /**
     * Reads and validates an ONNX model of at most {@link #DEFAULT_MAX_FILE_BYTES}.
     *
     * @throws OnnxFormatException           if the file is not a valid ONNX model
     * @throws UnsupportedOnnxModelException if it is one, but not a plain MLP fcnn can build
     * @throws IOException                   if the file cannot be read
     */
    public static OnnxModel read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_FILE_BYTES);
    }

    /**
     * Reads and validates an ONNX model of at most {@code maxFileBytes} bytes (up to 2 GiB, the limit of
     * protocol buffers).
     *
     * @throws OnnxFormatException           if the file is larger, or not a valid ONNX model
     * @throws UnsupportedOnnxModelException if it is valid, but not a plain MLP fcnn can build
     */
    public static OnnxModel read(Path file, long maxFileBytes) throws IOException {
        Objects.requireNonNull(file, "file");
        if (maxFileBytes <= 0 || maxFileBytes > PROTOBUF_LIMIT) {
            throw new IllegalArgumentException("maxFileBytes must be in [1, " + PROTOBUF_LIMIT + "], got "
                    + maxFileBytes);
        }
        byte[] bytes = readBounded(file, maxFileBytes);
        if (bytes.length == 0) {
            throw new OnnxFormatException(file, "empty file: not an ONNX model");
        }
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(file, "not a valid ONNX model (truncated or corrupt protocol buffer: "
                    + e.getMessage() + ")", e);
        }
        return model(file, model);
    }

    /** Reads {@code file} and builds its network on the backend called {@code backendName} ({@code auto} or {@code null}: the selected one). */
    public static Network load(Path file, String backendName) throws IOException {
        return read(file).network(backendName);
    }

    /** Reads {@code file} and builds its network on {@code backend}, which the caller keeps and closes. */
    public static Network load(Path file, Backend backend) throws IOException {
        return read(file).network(backend);
    }

    /** Reads {@code file} and builds its network on the selected backend. */
    public static Network load(Path file) throws IOException {
        return read(file).network((String) null);
    }

    /**
     * Whether {@code head}, the first bytes of a file, can start an ONNX model: a protocol-buffer tag of one of
     * {@code ModelProto}'s fields with its wire type ({@code ir_version} for every model written by PyTorch,
     * fcnn, ONNX's own tools and ONNX Runtime). A cheap check of the format for choosing a reader, not a
     * validation: {@link #read(Path)} does that. Other formats can pass it (a safetensors file whose header length
     * ends in byte 0x08 does), so check for them first: a safetensors file has an opening brace as its ninth byte.
     */
    public static boolean looksLikeOnnx(byte[] head) {
        if (head == null || head.length == 0) {
            return false;
        }
        int tag = head[0] & 0x7f;
        if ((head[0] & 0x80) != 0) {                      // a two-byte tag: field numbers 16 to 2047
            if (head.length < 2 || (head[1] & 0x80) != 0) {
                return false;
            }
            tag |= (head[1] & 0x7f) << 7;
        }
        int wire = tag & 7;
        return switch (tag >>> 3) {
            case 1, 5 -> wire == 0;                       // ir_version, model_version: varints
            // producer_name, producer_version, domain, doc_string, graph, opset_import, metadata_props,
            // training_info, functions, configuration: length-delimited
            case 2, 3, 4, 6, 7, 8, 14, 20, 25, 26 -> wire == 2;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ reading

    private static byte[] readBounded(Path file, long maxFileBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > maxFileBytes) {
                throw new OnnxFormatException(file, "is " + size + " bytes, more than the limit of " + maxFileBytes
                        + " bytes for an ONNX model (OnnxImport.read(file, maxFileBytes) takes up to 2 GiB)");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new OnnxFormatException(file, "truncated while reading: the file ended at byte "
                            + b.position() + " of " + size);
                }
            }
            return b.array();
        }
    }

    static OnnxModel model(Path file, ModelProto m) throws ModelFileException {
        if (!m.hasGraph()) {
            throw new OnnxFormatException(file, "no graph: not an ONNX model, or truncated");
        }
        if (m.getIrVersion() < 3) {
            throw new OnnxFormatException(file, m.hasIrVersion() ? "IR version " + m.getIrVersion() + " is older "
                    + "than 3, the first with operator sets" : "no ir_version: not an ONNX model, or corrupt");
        }
        long opset = -1;
        for (OperatorSetIdProto o : m.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < 0) {
            throw new OnnxFormatException(file, "no opset_import for the default ONNX domain: not an ONNX model, "
                    + "or truncated");
        }
        if (opset < MIN_OPSET_VERSION) {
            throw new UnsupportedOnnxModelException(file, "operator set " + opset + " is older than "
                    + MIN_OPSET_VERSION + ", the oldest fcnn reads");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) {
            if (metadata.put(e.getKey(), e.getValue()) != null) {
                throw new OnnxFormatException(file, "metadata_props hold the key '" + e.getKey() + "' twice");
            }
        }
        GraphReader.Graph graph = GraphReader.read(file, m.getGraph(), (int) Math.min(opset, Integer.MAX_VALUE));
        int layers = graph.layers().size();
        List<String> biasKinds = new ArrayList<>();
        for (GraphReader.DenseLayer l : graph.layers()) {
            biasKinds.add(l.biases() == null ? "none" : "trainable");
        }
        double[] dropout = new double[layers];
        Activation out = graph.layers().get(layers - 1).activation();
        Loss loss = out == Activation.SOFTMAX ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.SQUARED_ERROR;
        if (OnnxExport.PRODUCER_NAME.equals(m.getProducerName())) {
            loss = fcnnMetadata(file, metadata, graph, biasKinds, dropout);
        }
        return new OnnxModel(file, m.getIrVersion(), opset, m.getProducerName(), m.getProducerVersion(), graph,
                biasKinds, dropout, loss, metadata);
    }

    /**
     * Checks the architecture entries of a model fcnn wrote against its graph, takes the bias kinds and dropout
     * rates from them, and returns the loss. Every entry must be there: the writer puts them last, so a file
     * cut after any earlier field lacks at least {@code fcnn_version}.
     */
    private static Loss fcnnMetadata(Path file, Map<String, String> m, GraphReader.Graph graph,
                                     List<String> biasKinds, double[] dropout) throws OnnxFormatException {
        for (String key : Metadata.KEYS) {
            if (!m.containsKey(key)) {
                throw new OnnxFormatException(file, "written by fcnn, but metadata_props lack '" + key + "' (fcnn "
                        + "writes " + String.join(", ", Metadata.KEYS) + " last): truncated, or edited");
            }
        }
        List<GraphReader.DenseLayer> layers = graph.layers();
        int[] sizes = new int[layers.size() + 1];
        sizes[0] = layers.get(0).inputs();
        List<String> activations = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            sizes[i + 1] = layers.get(i).outputs();
            activations.add(layers.get(i).activation().id());
        }
        String graphSizes = Arrays.toString(sizes).replaceAll("[\\[\\] ]", "");
        if (!m.get(Metadata.SIZES).equals(graphSizes)) {
            throw new OnnxFormatException(file, "metadata sizes '" + m.get(Metadata.SIZES) + "' disagree with the "
                    + "graph's layers " + graphSizes);
        }
        if (!m.get(Metadata.ACTIVATIONS).equals(String.join(",", activations))) {
            throw new OnnxFormatException(file, "metadata activations '" + m.get(Metadata.ACTIVATIONS)
                    + "' disagree with the graph's " + String.join(",", activations));
        }
        String precision = graph.precision().name().toLowerCase(Locale.ROOT);
        if (!m.get(Metadata.PRECISION).equals(precision)) {
            throw new OnnxFormatException(file, "metadata precision '" + m.get(Metadata.PRECISION) + "' disagrees "
                    + "with the graph's " + precision + " tensors");
        }
        String[] biases = m.get(Metadata.BIASES).split(",", -1);
        String[] rates = m.get(Metadata.DROPOUT).split(",", -1);
        if (biases.length != layers.size() || rates.length != layers.size()) {
            throw new OnnxFormatException(file, "metadata biases '" + m.get(Metadata.BIASES) + "' and dropout '"
                    + m.get(Metadata.DROPOUT) + "' need one entry for each of the " + layers.size() + " layers");
        }
        for (int i = 0; i < layers.size(); i++) {
            boolean has = layers.get(i).biases() != null;
            boolean ok = has ? biases[i].equals("trainable") || biases[i].equals("frozen") : biases[i].equals("none");
            if (!ok) {
                throw new OnnxFormatException(file, "metadata says layer " + i + "'s bias is '" + biases[i]
                        + "', but its node " + (has ? "has" : "has no") + " bias");
            }
            biasKinds.set(i, biases[i]);
            double rate;
            try {
                rate = Double.parseDouble(rates[i]);
            } catch (NumberFormatException e) {
                rate = Double.NaN;
            }
            if (!(rate >= 0 && rate < 1) || rate > 0 && i == layers.size() - 1) {
                throw new OnnxFormatException(file, "metadata dropout '" + rates[i] + "' of layer " + i
                        + " is not a rate in [0, 1)" + (i == layers.size() - 1 ? " (and 0 on the output layer)" : ""));
            }
            dropout[i] = rate;
        }
        Loss loss;
        try {
            loss = Loss.parse(m.get(Metadata.LOSS));
        } catch (IllegalArgumentException e) {
            throw new OnnxFormatException(file, "metadata loss: " + e.getMessage());
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && layers.get(layers.size() - 1).activation() != Activation.SOFTMAX) {
            throw new OnnxFormatException(file, "metadata loss softmax_cross_entropy needs a softmax output layer");
        }
        return loss;
    }
}
