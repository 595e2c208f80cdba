// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.nio.file.Path;
import org.fcnn.io.ModelFileException;

/**
 * A file that is not a valid ONNX model: not a protocol-buffer {@code ModelProto} at all (garbage, another
 * format), truncated, larger than the reader's limit, or inconsistent (a tensor whose data do not match its
 * dims, a node that names a value nothing produces). The message starts with the file, then says what is wrong
 * and where (graph, node, tensor).
 *
 * <p>A valid ONNX model that fcnn cannot represent gets an {@link UnsupportedOnnxModelException} instead.
 */
public class OnnxFormatException extends ModelFileException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(Path file, String problem) {
        super(file, problem);
    }

    public OnnxFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
