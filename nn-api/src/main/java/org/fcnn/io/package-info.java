// SPDX-License-Identifier: Apache-2.0
/**
 * Model files: networks saved in the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format ({@link org.fcnn.io.ModelFile}), which PyTorch, NumPy and JAX users read with the {@code safetensors}
 * package, on top of a general reader and writer of that format ({@link org.fcnn.io.SafeTensors}).
 *
 * <p>Writes are atomic (a temporary file in the same directory, forced to disk, then moved over the target).
 * Reads check the whole header against the file length before reading any tensor, and report corrupt or
 * truncated files as a {@link org.fcnn.io.ModelFileException}. Nothing here uses Java serialization.
 */
package org.fcnn.io;
