// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.nio.file.Path;
import org.fcnn.io.ModelFileException;

/**
 * A valid ONNX model that is not a plain multi-layer perceptron fcnn can build: an operator other than those
 * {@link OnnxImport} lists, a graph that branches, an element type other than FLOAT and DOUBLE, attributes
 * outside the supported subset (a {@code Gemm} with {@code alpha != 1}, a softmax over the batch axis).
 *
 * <p>The message names the first node that cannot be taken, as {@code node 'NAME' (OP_TYPE)}, or the tensor or
 * value whose type cannot be taken; {@link #nodeName()} and {@link #opType()} give the node's, when a node is
 * to blame.
 */
public class UnsupportedOnnxModelException extends ModelFileException {
    private static final long serialVersionUID = 1L;

    private final String nodeName;
    private final String opType;

    /** A problem not tied to one node (a graph input, an element type, an opset). */
    public UnsupportedOnnxModelException(Path file, String problem) {
        this(file, null, null, problem);
    }

    /** A problem with node {@code nodeName} of type {@code opType}; the message names both. */
    public UnsupportedOnnxModelException(Path file, String nodeName, String opType, String problem) {
        super(file, opType == null ? problem : "node '" + nodeName + "' (" + opType + "): " + problem);
        this.nodeName = nodeName;
        this.opType = opType;
    }

    /** The name of the node that cannot be taken ({@code ""} if it has none), or {@code null}. */
    public String nodeName() {
        return nodeName;
    }

    /** The op_type of the node that cannot be taken, or {@code null}. */
    public String opType() {
        return opType;
    }
}
