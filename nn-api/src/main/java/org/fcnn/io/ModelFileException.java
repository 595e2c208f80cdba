// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or safetensors file that cannot be used: truncated, corrupt, or not describing a network this
 * library can build. The message starts with the file, then says what is wrong.
 */
public class ModelFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ModelFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file. */
    public Path file() {
        return file;
    }
}
