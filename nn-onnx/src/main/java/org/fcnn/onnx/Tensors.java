// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.fcnn.api.Precision;
import org.fcnn.io.SafeTensors;
import org.fcnn.onnx.proto.OnnxProtos.TensorProto;

/**
 * Converts between fcnn's parameter arrays and ONNX {@code TensorProto}s of FLOAT or DOUBLE.
 *
 * <p>Writing stores the elements row-major in {@code raw_data}, little-endian, as ONNX specifies. Reading
 * accepts {@code raw_data} or the typed fields ({@code float_data}, {@code double_data}) and checks, before it
 * allocates anything, that the dims are non-negative, that their product fits in an array, and that the data
 * hold exactly that many elements: a tensor that claims {@code [100000, 100000]} with a few bytes of data is an
 * {@link OnnxFormatException}, not an {@code OutOfMemoryError}.
 */
final class Tensors {
    /** The largest element count read into one array (a Java array of doubles holds at most this many). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Tensors() {
    }

    /** ONNX's element type for {@code precision}: FLOAT (1) or DOUBLE (11). */
    static int dataType(Precision precision) {
        return precision == Precision.FLOAT32 ? TensorProto.DataType.FLOAT_VALUE : TensorProto.DataType.DOUBLE_VALUE;
    }

    /** The precision of an ONNX element type, or {@code null} if fcnn has none for it. */
    static Precision precision(int dataType) {
        if (dataType == TensorProto.DataType.FLOAT_VALUE) {
            return Precision.FLOAT32;
        }
        if (dataType == TensorProto.DataType.DOUBLE_VALUE) {
            return Precision.FLOAT64;
        }
        return null;
    }

    /** {@code FLOAT16 (10)}: an element type's name and number, for messages. */
    static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        return (t == null ? "unknown type" : t.name()) + " (" + dataType + ")";
    }

    /** A tensor called {@code name} of {@code shape} holding {@code values} (row-major) in {@code precision}. */
    static TensorProto write(String name, long[] shape, double[] values, Precision precision) {
        long count = SafeTensors.Tensor.elementCount(shape);
        if (count != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs "
                    + count + " values, got " + values.length);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, precision.bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            if (precision == Precision.FLOAT32) {
                b.putFloat((float) v);
            } else {
                b.putDouble(v);
            }
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType(precision));
        for (long d : shape) {
            t.addDims(d);
        }
        return t.setRawData(ByteString.copyFrom(b.array())).build();
    }

    /**
     * The elements of {@code t}, row-major, as doubles (float values widened exactly).
     *
     * @param file the file, for messages
     * @throws OnnxFormatException           if the dims or data are inconsistent, or a value is not finite
     * @throws UnsupportedOnnxModelException if the element type is not FLOAT or DOUBLE, or the data are external
     */
    static double[] read(Path file, TensorProto t) throws OnnxFormatException, UnsupportedOnnxModelException {
        String what = "tensor '" + t.getName() + "'";
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new UnsupportedOnnxModelException(file, what + " keeps its data in an external file; fcnn reads "
                    + "only models whose tensors are inside the .onnx file");
        }
        if (t.hasSegment()) {
            throw new UnsupportedOnnxModelException(file, what + " is split into segments, which fcnn does not read");
        }
        int type = t.getDataType();
        Precision p = precision(type);
        if (p == null) {
            throw new UnsupportedOnnxModelException(file, what + " has element type " + typeName(type)
                    + "; fcnn reads FLOAT (1) and DOUBLE (11)");
        }
        long[] dims = dims(t);
        long count = SafeTensors.Tensor.elementCount(dims);
        if (count < 0) {
            throw new OnnxFormatException(file, what + ": dims " + Arrays.toString(dims) + " are negative or hold "
                    + "more elements than a long counts");
        }
        if (count > MAX_ELEMENTS) {
            throw new OnnxFormatException(file, what + ": dims " + Arrays.toString(dims) + " hold " + count
                    + " elements, more than one array holds (" + MAX_ELEMENTS + ")");
        }
        int typed = p == Precision.FLOAT32 ? t.getFloatDataCount() : t.getDoubleDataCount();
        String otherField = p == Precision.FLOAT32 ? "double_data" : "float_data";
        int other = p == Precision.FLOAT32 ? t.getDoubleDataCount() : t.getFloatDataCount();
        if (other > 0 || t.getInt32DataCount() > 0 || t.getInt64DataCount() > 0 || t.getUint64DataCount() > 0
                || t.getStringDataCount() > 0) {
            throw new OnnxFormatException(file, what + " of " + typeName(type) + " holds values in a field of "
                    + "another type" + (other > 0 ? " (" + otherField + ")" : ""));
        }
        double[] out;
        if (t.hasRawData()) {
            if (typed > 0) {
                throw new OnnxFormatException(file, what + " has both raw_data and typed data; ONNX allows one");
            }
            ByteString raw = t.getRawData();
            long expected = count * p.bytes();
            if (raw.size() != expected) {
                throw new OnnxFormatException(file, what + ": dims " + Arrays.toString(dims) + " of "
                        + typeName(type) + " need " + expected + " bytes of raw_data, but it holds " + raw.size());
            }
            ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            out = new double[(int) count];
            for (int i = 0; i < out.length; i++) {
                out[i] = p == Precision.FLOAT32 ? b.getFloat(i * 4) : b.getDouble(i * 8);
            }
        } else {
            if (typed != count) {
                throw new OnnxFormatException(file, what + ": dims " + Arrays.toString(dims) + " need " + count
                        + " values, but " + (p == Precision.FLOAT32 ? "float_data" : "double_data") + " holds "
                        + typed);
            }
            out = new double[(int) count];
            for (int i = 0; i < out.length; i++) {
                out[i] = p == Precision.FLOAT32 ? t.getFloatData(i) : t.getDoubleData(i);
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i])) {
                throw new OnnxFormatException(file, what + " element " + i + " is " + out[i]);
            }
        }
        return out;
    }

    /** The dims of {@code t} ({@code []} for a scalar). */
    static long[] dims(TensorProto t) {
        long[] dims = new long[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
        }
        return dims;
    }
}
