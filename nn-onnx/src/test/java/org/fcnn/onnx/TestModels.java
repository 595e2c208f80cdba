// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.fcnn.onnx.proto.OnnxProtos.AttributeProto;
import org.fcnn.onnx.proto.OnnxProtos.GraphProto;
import org.fcnn.onnx.proto.OnnxProtos.ModelProto;
import org.fcnn.onnx.proto.OnnxProtos.NodeProto;
import org.fcnn.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;
import org.fcnn.onnx.proto.OnnxProtos.TensorShapeProto;
import org.fcnn.onnx.proto.OnnxProtos.TypeProto;
import org.fcnn.onnx.proto.OnnxProtos.ValueInfoProto;

/** Hand-built ONNX models for the tests, as other producers might write them. */
final class TestModels {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;

    private TestModels() {
    }

    /** A model of {@code graph} importing the default operator set {@code opset}, IR version 7, producer "test". */
    static ModelProto model(GraphProto.Builder graph, int opset) {
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph).build();
    }

    /** A tensor value {@code name} of {@code elemType} with dims: Long for dim_value, String for dim_param. */
    static ValueInfoProto value(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    /** A graph with input {@code "x" [batch, in]} and output {@code "y" [batch, out]} of {@code elemType}. */
    static GraphProto.Builder graph(int elemType, int in, int out) {
        return GraphProto.newBuilder().setName("g")
                .addInput(value("x", elemType, "batch", (long) in))
                .addOutput(value("y", elemType, "batch", (long) out));
    }

    static NodeProto node(String name, String op, List<String> inputs, String output, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    static AttributeProto ints(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floats(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    static AttributeProto tensor(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value)
                .build();
    }

    /** A tensor of {@code elemType} (FLOAT or DOUBLE) in raw_data. */
    static TensorProto raw(String name, int elemType, long[] dims, double... values) {
        int bytes = elemType == FLOAT ? 4 : 8;
        ByteBuffer b = ByteBuffer.allocate(values.length * bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (elemType == FLOAT) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
        return shaped(name, elemType, dims).setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** A tensor of {@code elemType} in float_data (FLOAT) or double_data (DOUBLE). */
    static TensorProto typed(String name, int elemType, long[] dims, double... values) {
        TensorProto.Builder t = shaped(name, elemType, dims);
        for (double v : values) {
            if (elemType == FLOAT) {
                t.addFloatData((float) v);
            } else {
                t.addDoubleData(v);
            }
        }
        return t.build();
    }

    static TensorProto.Builder shaped(String name, int elemType, long[] dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(elemType);
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    /** {@code [rows x cols]} row-major into {@code [cols x rows]}. */
    static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    static Path write(Path dir, String name, ModelProto model) {
        try {
            return Files.write(dir.resolve(name), model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
