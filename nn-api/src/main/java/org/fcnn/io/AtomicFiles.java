// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Atomic replacement of a file, as {@link ModelFile} and {@link SafeTensors} save models, for other model
 * formats (e.g. {@code nn-onnx}'s ONNX writer).
 *
 * <p>{@link #write} calls the writer with a channel on a new temporary file {@code .NAME.HEX.tmp} in the target's
 * directory, forces the file to disk, moves it over the target (atomically where the file system allows it) and
 * forces the directory, so that a reader (or a process that restarts after a crash) finds either the old file or
 * the whole new one, never a part. If the writer or the disk fails, the temporary file is removed and the target
 * is left as it was; the exception says so. Temporary files of saves killed more than 10 minutes earlier are
 * removed by the next save of the same target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes a file's whole contents through a channel positioned at 0. */
    @FunctionalInterface
    public interface ChannelWriter {
        /** Writes everything; the caller forces and closes the channel. */
        void write(FileChannel channel) throws IOException;
    }

    /**
     * Replaces {@code target} with what {@code writer} writes, atomically (see the class description).
     *
     * @throws java.nio.file.NoSuchFileException if the target's directory does not exist
     * @throws IOException                       if writing or moving fails; {@code target} is then unchanged
     */
    public static void write(Path target, ChannelWriter writer) throws IOException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(writer, "writer");
        SafeTensors.writeAtomically(target, writer::write);
    }
}
