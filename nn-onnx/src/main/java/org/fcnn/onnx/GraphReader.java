// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fcnn.api.Activation;
import org.fcnn.api.Precision;
import org.fcnn.io.ModelFileException;
import org.fcnn.io.SafeTensors;
import org.fcnn.onnx.proto.OnnxProtos.AttributeProto;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.NodeProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorShapeProto;
import org.fcnn.onnx.proto.OnnxProtos.TypeProto;
import org.fcnn.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Reads an ONNX graph that is a chain of dense layers into {@link DenseLayer}s, or says which node, value or
 * tensor it cannot take.
 *
 * <p>The chain starts at the graph's one input {@code [batch, features]} and ends at its one output. Each node
 * takes the value the chain has reached as its (first) data input; its other inputs are initializers or
 * outputs of {@code Constant} nodes. A layer is a {@code Gemm} (weights {@code B}, optional bias {@code C}) or
 * a {@code MatMul} followed by an optional {@code Add} of a bias, then an optional activation ({@code Relu},
 * {@code Sigmoid}, {@code Tanh}, {@code Softmax} over the last axis); {@code Identity} and {@code Dropout}
 * (inference: identity) may appear anywhere. Anything else is an {@link UnsupportedOnnxModelException} naming
 * the first node that does not fit; inconsistent shapes or data are an {@link OnnxFormatException}.
 */
final class GraphReader {
    /** The attributes each supported operator may carry; any other attribute is refused, not ignored. */
    private static final Map<String, Set<String>> ATTRIBUTES = Map.of(
            "Gemm", Set.of("alpha", "beta", "transA", "transB"),
            "MatMul", Set.of(),
            "Add", Set.of(),
            "Relu", Set.of(),
            "Sigmoid", Set.of(),
            "Tanh", Set.of(),
            "Softmax", Set.of("axis"),
            "Identity", Set.of(),
            "Dropout", Set.of("ratio", "seed"),
            "Constant", Set.of("value"));

    /** What fcnn imports, for messages. */
    static final String SUPPORTED = "fcnn imports Gemm, MatMul, Add (a bias after MatMul), Relu, Sigmoid, Tanh, "
            + "Softmax (last axis), Identity, Dropout and Constant";

    /**
     * One dense layer: weights {@code [outputs x inputs]} row-major (fcnn's layout), biases {@code [outputs]}
     * or {@code null}, the node of its linear part ({@code Gemm} or {@code MatMul}) and the node of its activation
     * (the linear node's, for the identity).
     */
    record DenseLayer(int inputs, int outputs, Activation activation, double[] weights, double[] biases,
                      String linearNode, String activationNode) {
    }

    /** The graph's layers, element type and value names. */
    record Graph(Precision precision, String inputName, String outputName, List<DenseLayer> layers) {
    }

    private final Path file;
    private final int opset;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private Precision precision;

    /** The layer being read: linear part seen, its bias and activation perhaps still to come. */
    private int pendingIn;
    private int pendingOut;
    private double[] pendingWeights;
    private double[] pendingBiases;
    private String pendingNode;
    private boolean pending;
    private final List<DenseLayer> layers = new ArrayList<>();

    private GraphReader(Path file, int opset) {
        this.file = file;
        this.opset = opset;
    }

    /**
     * Reads {@code g}, whose model imports the default operator set at version {@code opset}.
     *
     * @throws OnnxFormatException           if the graph is inconsistent
     * @throws UnsupportedOnnxModelException if it is not a chain of dense layers fcnn can build
     */
    static Graph read(Path file, GraphProto g, int opset) throws ModelFileException {
        return new GraphReader(file, opset).read(g);
    }

    private Graph read(GraphProto g) throws ModelFileException {
        if (g.getSparseInitializerCount() > 0) {
            throw new UnsupportedOnnxModelException(file, "graph has sparse initializers, which fcnn does not read");
        }
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw new OnnxFormatException(file, "an initializer has no name");
            }
            if (constants.put(t.getName(), t) != null) {
                throw new OnnxFormatException(file, "two initializers are called '" + t.getName() + "'");
            }
        }
        // Before IR version 4 initializers were listed as graph inputs too; those are not data inputs.
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw new UnsupportedOnnxModelException(file, "graph has " + inputs.size() + " inputs " + names(inputs)
                    + "; fcnn takes graphs with one input [batch, features]");
        }
        if (g.getOutputCount() != 1) {
            throw new UnsupportedOnnxModelException(file, "graph has " + g.getOutputCount() + " outputs "
                    + names(g.getOutputList()) + "; fcnn takes graphs with one output [batch, outputs]");
        }
        ValueInfoProto input = inputs.get(0);
        ValueInfoProto output = g.getOutput(0);
        precision = elementType(input, "input");
        Precision outPrecision = output.getType().hasTensorType() && output.getType().getTensorType().hasElemType()
                ? elementType(output, "output") : precision;
        if (outPrecision != precision) {
            throw new OnnxFormatException(file, "graph input '" + input.getName() + "' is " + precision
                    + " but output '" + output.getName() + "' is " + outPrecision);
        }
        long features = featureDimension(input, "input");
        long outputs = featureDimension(output, "output");

        String current = input.getName();
        for (int i = 0; i < g.getNodeCount(); i++) {
            current = node(g.getNode(i), i, current);
        }
        finishLayer();
        if (layers.isEmpty()) {
            throw new UnsupportedOnnxModelException(file, "graph has no Gemm or MatMul node: not a dense network");
        }
        if (!current.equals(output.getName())) {
            throw new UnsupportedOnnxModelException(file, "graph output '" + output.getName() + "' is not the end of "
                    + "the chain of layers from the input, which ends at '" + current + "'");
        }
        int expected = features < 0 ? layers.get(0).inputs() : (int) features;
        for (int i = 0; i < layers.size(); i++) {
            DenseLayer l = layers.get(i);
            if (l.inputs() != expected) {
                throw new OnnxFormatException(file, "layer " + i + " (node '" + l.linearNode() + "') takes "
                        + l.inputs() + " inputs, but " + (i == 0 ? "graph input '" + input.getName() + "' has "
                        : "layer " + (i - 1) + " gives ") + expected);
            }
            if (l.activation() == Activation.SOFTMAX && i < layers.size() - 1) {
                throw new UnsupportedOnnxModelException(file, l.activationNode(), "Softmax",
                        "softmax on a hidden layer (layer " + i + " of " + layers.size() + "); fcnn supports "
                                + "softmax only on the output layer");
            }
            expected = l.outputs();
        }
        if (outputs >= 0 && outputs != expected) {
            throw new OnnxFormatException(file, "graph output '" + output.getName() + "' declares " + outputs
                    + " features, but the last layer gives " + expected);
        }
        return new Graph(precision, input.getName(), output.getName(), List.copyOf(layers));
    }

    /** Reads one node and returns the value the chain reaches after it. */
    private String node(NodeProto n, int index, String current) throws ModelFileException {
        String name = n.getName().isEmpty() ? "#" + index : n.getName();
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new UnsupportedOnnxModelException(file, name, op, "operator of domain '" + n.getDomain()
                    + "'; " + SUPPORTED + " from the default ONNX domain");
        }
        Set<String> allowed = ATTRIBUTES.get(op);
        if (allowed == null) {
            throw new UnsupportedOnnxModelException(file, name, op, "operator not supported; " + SUPPORTED);
        }
        for (AttributeProto a : n.getAttributeList()) {
            if (!allowed.contains(a.getName())) {
                throw new UnsupportedOnnxModelException(file, name, op, "attribute '" + a.getName()
                        + "' is not one fcnn reads for " + op + " (it reads " + (allowed.isEmpty() ? "none"
                        : String.join(", ", allowed.stream().sorted().toList())) + ")");
            }
        }
        if (n.getOutputCount() == 0 || n.getOutput(0).isEmpty()) {
            throw new OnnxFormatException(file, "node '" + name + "' (" + op + ") has no output");
        }
        if (op.equals("Constant")) {
            AttributeProto value = attribute(n, "value");
            if (value == null || !value.hasT()) {
                throw new UnsupportedOnnxModelException(file, name, op, "only Constant nodes with a tensor 'value' "
                        + "are read");
            }
            constants.put(n.getOutput(0), value.getT().toBuilder().setName(n.getOutput(0)).build());
            return current;
        }
        if (op.equals("Add")) {
            return add(n, name, current);
        }
        if (n.getInputCount() == 0 || !n.getInput(0).equals(current)) {
            throw new UnsupportedOnnxModelException(file, name, op, "takes '" + (n.getInputCount() == 0 ? ""
                    : n.getInput(0)) + "' as its input, but the chain of layers from the graph input has reached '"
                    + current + "'; fcnn reads graphs that are one chain of layers");
        }
        switch (op) {
            case "Gemm" -> gemm(n, name);
            case "MatMul" -> matMul(n, name);
            case "Relu" -> activation(n, name, Activation.RELU);
            case "Sigmoid" -> activation(n, name, Activation.SIGMOID);
            case "Tanh" -> activation(n, name, Activation.TANH);
            case "Softmax" -> softmax(n, name);
            case "Identity" -> requireInputs(n, name, 1, 1);
            case "Dropout" -> dropout(n, name);
            default -> throw new IllegalStateException(op);
        }
        return n.getOutput(0);
    }

    private void gemm(NodeProto n, String name) throws ModelFileException {
        requireInputs(n, name, 2, 3);
        float alpha = floatAttribute(n, name, "alpha", 1f);
        float beta = floatAttribute(n, name, "beta", 1f);
        long transA = intAttribute(n, name, "transA", 0);
        long transB = intAttribute(n, name, "transB", 0);
        boolean hasC = n.getInputCount() == 3 && !n.getInput(2).isEmpty();
        if (alpha != 1f || (hasC && beta != 1f)) {
            throw new UnsupportedOnnxModelException(file, name, "Gemm", "alpha = " + alpha + ", beta = " + beta
                    + "; fcnn reads Gemm only with alpha = beta = 1 (Y = A B + C)");
        }
        if (transA != 0) {
            throw new UnsupportedOnnxModelException(file, name, "Gemm", "transA = " + transA + "; the data input "
                    + "must be [batch, features] (transA = 0)");
        }
        if (transB != 0 && transB != 1) {
            throw new OnnxFormatException(file, "node '" + name + "' (Gemm): transB = " + transB + " is not 0 or 1");
        }
        finishLayer();
        TensorProto b = constant(n, name, 1, "weights B");
        long[] dims = Tensors.dims(b);
        if (dims.length != 2) {
            throw new UnsupportedOnnxModelException(file, name, "Gemm", "weights '" + b.getName() + "' have dims "
                    + Arrays.toString(dims) + "; fcnn reads a matrix");
        }
        double[] w = values(b, name, "Gemm");
        // transB = 1: B is [out, in], fcnn's layout; transB = 0: B is [in, out].
        int out = toInt(transB == 1 ? dims[0] : dims[1], b);
        int in = toInt(transB == 1 ? dims[1] : dims[0], b);
        startLayer(in, out, transB == 1 ? w : transpose(w, in, out), name);
        if (hasC) {
            pendingBiases = bias(n, name, "Gemm", constant(n, name, 2, "bias C"));
        }
    }

    private void matMul(NodeProto n, String name) throws ModelFileException {
        requireInputs(n, name, 2, 2);
        finishLayer();
        TensorProto b = constant(n, name, 1, "weights");
        long[] dims = Tensors.dims(b);
        if (dims.length != 2) {
            throw new UnsupportedOnnxModelException(file, name, "MatMul", "weights '" + b.getName() + "' have dims "
                    + Arrays.toString(dims) + "; fcnn reads a matrix [in, out]");
        }
        double[] w = values(b, name, "MatMul");
        int in = toInt(dims[0], b);
        int out = toInt(dims[1], b);
        startLayer(in, out, transpose(w, in, out), name);
    }

    /** {@code Add} of a bias to a layer's linear part; either operand may be the data. */
    private String add(NodeProto n, String name, String current) throws ModelFileException {
        requireInputs(n, name, 2, 2);
        int data = n.getInput(0).equals(current) ? 0 : n.getInput(1).equals(current) ? 1 : -1;
        if (data < 0) {
            throw new UnsupportedOnnxModelException(file, name, "Add", "adds '" + n.getInput(0) + "' and '"
                    + n.getInput(1) + "', neither of which is where the chain of layers has reached ('" + current
                    + "'); fcnn reads graphs that are one chain of layers");
        }
        if (!pending) {
            throw new UnsupportedOnnxModelException(file, name, "Add", layers.isEmpty()
                    ? "an Add before any MatMul or Gemm; " + SUPPORTED
                    : "an Add after the activation of layer " + (layers.size() - 1) + " ('"
                    + layers.get(layers.size() - 1).activationNode() + "'); fcnn reads a bias only between a MatMul "
                    + "and its activation");
        }
        if (pendingBiases != null) {
            throw new UnsupportedOnnxModelException(file, name, "Add", "a second bias on the layer of node '"
                    + pendingNode + "'; fcnn's layers have one");
        }
        pendingBiases = bias(n, name, "Add", constant(n, name, 1 - data, "bias"));
        return n.getOutput(0);
    }

    private void activation(NodeProto n, String name, Activation a) throws ModelFileException {
        requireInputs(n, name, 1, 1);
        if (!pending) {
            throw new UnsupportedOnnxModelException(file, name, n.getOpType(), layers.isEmpty()
                    ? "an activation before any Gemm or MatMul; fcnn's layers apply their activation after the linear part"
                    : "a second activation on layer " + (layers.size() - 1) + " (after '"
                    + layers.get(layers.size() - 1).activationNode() + "'); fcnn applies one activation per layer");
        }
        layers.add(new DenseLayer(pendingIn, pendingOut, a, pendingWeights, pendingBiases, pendingNode, name));
        pending = false;
    }

    private void softmax(NodeProto n, String name) throws ModelFileException {
        // Opset 13 on: softmax over one axis, default -1. Before: over the flattened axes from 'axis' on,
        // default 1. For the 2-D data of a dense network both mean the features when axis is 1 or -1.
        long axis = intAttribute(n, name, "axis", opset >= 13 ? -1 : 1);
        if (axis != 1 && axis != -1) {
            throw new UnsupportedOnnxModelException(file, name, "Softmax", "softmax over axis " + axis + " of "
                    + "[batch, features] data; fcnn's softmax is over the last axis (axis = -1 or 1)");
        }
        activation(n, name, Activation.SOFTMAX);
    }

    private void dropout(NodeProto n, String name) throws ModelFileException {
        requireInputs(n, name, 1, 3);
        if (n.getInputCount() == 3 && !n.getInput(2).isEmpty()) {
            TensorProto mode = constants.get(n.getInput(2));
            boolean off = mode != null && mode.getDataType() == TensorProto.DataType.BOOL_VALUE
                    && SafeTensors.Tensor.elementCount(Tensors.dims(mode)) == 1
                    && (mode.hasRawData() ? mode.getRawData().size() == 1 && mode.getRawData().byteAt(0) == 0
                    : mode.getInt32DataCount() == 1 && mode.getInt32Data(0) == 0);
            if (!off) {
                throw new UnsupportedOnnxModelException(file, name, "Dropout", "training_mode '" + n.getInput(2)
                        + "' is not a constant false; fcnn reads models for inference");
            }
        }
    }

    private void startLayer(int in, int out, double[] weightsOutIn, String node) {
        pending = true;
        pendingIn = in;
        pendingOut = out;
        pendingWeights = weightsOutIn;
        pendingBiases = null;
        pendingNode = node;
    }

    /** A linear part without an activation node is a layer with the identity. */
    private void finishLayer() {
        if (pending) {
            layers.add(new DenseLayer(pendingIn, pendingOut, Activation.IDENTITY, pendingWeights, pendingBiases,
                    pendingNode, pendingNode));
            pending = false;
        }
    }

    private double[] bias(NodeProto n, String name, String op, TensorProto c) throws ModelFileException {
        long[] dims = Tensors.dims(c);
        long count = SafeTensors.Tensor.elementCount(dims);
        boolean row = dims.length == 1 && dims[0] == pendingOut || dims.length == 2 && dims[0] == 1 && dims[1] == pendingOut;
        boolean scalar = count == 1 && dims.length <= 2;
        if (!row && !scalar) {
            throw new UnsupportedOnnxModelException(file, name, op, "bias '" + c.getName() + "' has dims "
                    + Arrays.toString(dims) + "; fcnn reads a bias of [" + pendingOut + "], [1, " + pendingOut
                    + "] or one value for every node");
        }
        double[] v = values(c, name, op);
        if (v.length == pendingOut) {
            return v;
        }
        double[] b = new double[pendingOut];
        Arrays.fill(b, v[0]);
        return b;
    }

    private TensorProto constant(NodeProto n, String name, int input, String what) throws ModelFileException {
        String value = n.getInput(input);
        TensorProto t = constants.get(value);
        if (t == null) {
            throw new UnsupportedOnnxModelException(file, name, n.getOpType(), what + " '" + value + "' is not an "
                    + "initializer or a Constant; fcnn reads layers whose parameters are stored in the model");
        }
        return t;
    }

    private double[] values(TensorProto t, String name, String op) throws ModelFileException {
        Precision p = Tensors.precision(t.getDataType());
        if (p != null && p != precision) {
            throw new OnnxFormatException(file, "node '" + name + "' (" + op + "): tensor '" + t.getName() + "' is "
                    + Tensors.typeName(t.getDataType()) + " but the graph input is "
                    + Tensors.typeName(Tensors.dataType(precision)));
        }
        return Tensors.read(file, t);
    }

    private void requireInputs(NodeProto n, String name, int min, int max) throws OnnxFormatException {
        if (n.getInputCount() < min || n.getInputCount() > max) {
            throw new OnnxFormatException(file, "node '" + name + "' (" + n.getOpType() + ") has "
                    + n.getInputCount() + " inputs; " + n.getOpType() + " takes " + (min == max ? min : min + " to "
                    + max));
        }
    }

    private Precision elementType(ValueInfoProto v, String role) throws ModelFileException {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            throw new UnsupportedOnnxModelException(file, "graph " + role + " '" + v.getName() + "' is not a tensor");
        }
        int elem = type.getTensorType().getElemType();
        Precision p = Tensors.precision(elem);
        if (p == null) {
            throw new UnsupportedOnnxModelException(file, "graph " + role + " '" + v.getName() + "' has element type "
                    + Tensors.typeName(elem) + "; fcnn reads FLOAT (1) and DOUBLE (11)");
        }
        return p;
    }

    /** The declared size of the second dimension of a {@code [batch, features]} value, or -1 if not declared. */
    private long featureDimension(ValueInfoProto v, String role) throws ModelFileException {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return -1;
        }
        TensorShapeProto shape = v.getType().getTensorType().getShape();
        if (shape.getDimCount() != 2) {
            StringBuilder dims = new StringBuilder();
            for (TensorShapeProto.Dimension d : shape.getDimList()) {
                dims.append(dims.length() == 0 ? "" : ", ").append(d.hasDimValue() ? String.valueOf(d.getDimValue())
                        : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
            }
            throw new UnsupportedOnnxModelException(file, "graph " + role + " '" + v.getName() + "' has shape ["
                    + dims + "]; fcnn reads [batch, features]");
        }
        TensorShapeProto.Dimension d = shape.getDim(1);
        if (!d.hasDimValue()) {
            return -1;
        }
        if (d.getDimValue() <= 0 || d.getDimValue() > Integer.MAX_VALUE) {
            throw new OnnxFormatException(file, "graph " + role + " '" + v.getName() + "' has " + d.getDimValue()
                    + " features");
        }
        return d.getDimValue();
    }

    private int toInt(long dim, TensorProto t) throws OnnxFormatException {
        if (dim <= 0 || dim > Integer.MAX_VALUE) {
            throw new OnnxFormatException(file, "tensor '" + t.getName() + "' has a dimension of " + dim
                    + "; a layer needs 1 to " + Integer.MAX_VALUE);
        }
        return (int) dim;
    }

    private static AttributeProto attribute(NodeProto n, String attribute) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(attribute)) {
                return a;
            }
        }
        return null;
    }

    private long intAttribute(NodeProto n, String name, String attribute, long otherwise) throws OnnxFormatException {
        AttributeProto a = attribute(n, attribute);
        if (a == null) {
            return otherwise;
        }
        if (!a.hasI() || a.hasF()) {
            throw new OnnxFormatException(file, "node '" + name + "' (" + n.getOpType() + "): attribute '" + attribute
                    + "' is not an integer");
        }
        return a.getI();
    }

    private float floatAttribute(NodeProto n, String name, String attribute, float otherwise) throws OnnxFormatException {
        AttributeProto a = attribute(n, attribute);
        if (a == null) {
            return otherwise;
        }
        if (!a.hasF() || a.hasI()) {
            throw new OnnxFormatException(file, "node '" + name + "' (" + n.getOpType() + "): attribute '" + attribute
                    + "' is not a float");
        }
        return a.getF();
    }

    /** {@code [rows x cols]} row-major into {@code [cols x rows]}. */
    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    private static String names(List<ValueInfoProto> values) {
        List<String> names = new ArrayList<>();
        for (ValueInfoProto v : values) {
            names.add("'" + v.getName() + "'");
        }
        return "(" + String.join(", ", names) + ")";
    }
}
