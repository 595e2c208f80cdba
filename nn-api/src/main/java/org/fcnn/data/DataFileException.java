// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that cannot be used as it is: wrong magic number, truncated, sizes that disagree, a cell that is
 * not a number, a label out of range. The message starts with the file and, for text files, the line and
 * column, then says what is wrong, e.g. {@code "data.csv:17:3: 'abc' is not a number"}.
 */
public class DataFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file} as a whole (binary formats). */
    public DataFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** A problem with {@code file} as a whole, caused by {@code cause} (e.g. corrupt gzip data). */
    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** A problem at {@code line} (1-based) and, when {@code column > 0}, at {@code column} (1-based) of a text file. */
    public DataFileException(Path file, int line, int column, String problem) {
        super(file + ":" + line + (column > 0 ? ":" + column : "") + ": " + problem);
        this.file = file;
    }

    /**
     * A problem at {@code line} and {@code column} of a text source that is not a file, such as standard input;
     * {@code source} names it in the message.
     */
    public DataFileException(String source, int line, int column, String problem) {
        super(source + ":" + line + (column > 0 ? ":" + column : "") + ": " + problem);
        this.file = null;
    }

    /** The file, or {@code null} when the source was not a file (e.g. standard input). */
    public Path file() {
        return file;
    }
}
