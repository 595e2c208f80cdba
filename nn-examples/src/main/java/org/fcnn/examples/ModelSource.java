// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.fcnn.api.Network;
import org.fcnn.io.ModelFile;
import org.fcnn.onnx.OnnxExport;
import org.fcnn.onnx.OnnxImport;
import org.fcnn.onnx.OnnxModel;

/**
 * A model file the commands read: a safetensors file of {@code train --save} ({@link ModelFile}) or an ONNX model
 * ({@link OnnxImport}: {@code fcnn export}'s or a plain MLP from {@code torch.onnx.export}). The format is chosen
 * from the file's first bytes, never from its name.
 */
final class ModelSource {
    /** The two formats. */
    enum Format {
        SAFETENSORS("safetensors"), ONNX("ONNX");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The architecture keys of a safetensors file's metadata (see {@link ModelFile}); the rest are extra entries. */
    private static final Set<String> SAFETENSORS_ARCHITECTURE = Set.of("format", "format_version", "sizes",
            "activations", "biases", "dropout", "loss", "precision");

    private final Format format;
    private final int inputSize;
    private final int outputSize;
    private final boolean classifier;
    private final Map<String, String> metadata;
    private final Map<String, String> extraMetadata;
    private final Function<String, Network> networks;

    private ModelSource(Format format, int inputSize, int outputSize, boolean classifier, Map<String, String> metadata,
                        Set<String> architectureKeys, Function<String, Network> networks) {
        this.format = format;
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.classifier = classifier;
        this.metadata = metadata;
        Map<String, String> extra = new LinkedHashMap<>(metadata);
        extra.keySet().removeAll(architectureKeys);
        this.extraMetadata = extra;
        this.networks = networks;
    }

    /**
     * Reads and validates {@code file} in the format its content shows.
     *
     * @throws org.fcnn.io.ModelFileException if it is neither a valid safetensors model nor a usable ONNX model
     */
    static ModelSource read(Path file) throws IOException {
        if (detect(file) == Format.ONNX) {
            OnnxModel m = OnnxImport.read(file);
            return new ModelSource(Format.ONNX, m.inputSize(), m.outputSize(), m.isClassifier(), m.metadata(),
                    OnnxExport.RESERVED_METADATA_KEYS, m::network);
        }
        ModelFile.SavedModel m = ModelFile.read(file);
        return new ModelSource(Format.SAFETENSORS, m.inputSize(), m.outputSize(), m.isClassifier(), m.metadata(),
                SAFETENSORS_ARCHITECTURE, m::network);
    }

    /**
     * The format of {@code file} from its first bytes: safetensors when bytes 0-7 are a little-endian header length
     * that fits in the file and byte 8 opens its JSON ({@code '{'}); ONNX when the first byte is the tag of a
     * {@code ModelProto} field ({@link OnnxImport#looksLikeOnnx}); otherwise safetensors, whose reader then says
     * what is wrong (a file that is neither is reported as a corrupt or truncated safetensors file).
     */
    static Format detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (head.length >= 9 && head[8] == '{') {
            long headerLength = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength > 0 && headerLength <= Files.size(file) - 8) {
                return Format.SAFETENSORS;
            }
        }
        return OnnxImport.looksLikeOnnx(head) ? Format.ONNX : Format.SAFETENSORS;
    }

    Format format() {
        return format;
    }

    int inputSize() {
        return inputSize;
    }

    int outputSize() {
        return outputSize;
    }

    boolean isClassifier() {
        return classifier;
    }

    /** Every metadata entry of the file (architecture and extra). */
    Map<String, String> metadata() {
        return metadata;
    }

    /** The entries that are not the architecture (class names, dataset, test accuracy...), in file order. */
    Map<String, String> extraMetadata() {
        return extraMetadata;
    }

    /** Builds the network on the backend called {@code backend} ({@code auto}: the selected one). */
    Network network(String backend) {
        return networks.apply(backend);
    }
}
