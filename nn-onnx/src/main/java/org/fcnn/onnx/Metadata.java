// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcnn.api.Network;
import org.fcnn.io.ModelFile;

/**
 * The architecture entries fcnn writes into an ONNX model's {@code metadata_props}, in the order of
 * {@link #KEYS}, after any extra entries. The same names and value syntax as the safetensors metadata of
 * {@code org.fcnn.io.ModelFile}: {@code sizes=784,256,10}, {@code activations=relu,softmax},
 * {@code biases=trainable,trainable}, {@code dropout=0.2,0}, {@code loss=softmax_cross_entropy},
 * {@code precision=float32}, and {@code fcnn_version=0.1.0}.
 */
final class Metadata {
    static final String SIZES = "sizes";
    static final String ACTIVATIONS = "activations";
    static final String BIASES = "biases";
    static final String DROPOUT = "dropout";
    static final String LOSS = "loss";
    static final String PRECISION = "precision";
    static final String FCNN_VERSION = "fcnn_version";
    /** Every architecture key, in the order written; {@link #FCNN_VERSION} comes last. */
    static final List<String> KEYS = List.of(SIZES, ACTIVATIONS, BIASES, DROPOUT, LOSS, PRECISION, FCNN_VERSION);

    private Metadata() {
    }

    /** The architecture entries of {@code network}, in the order of {@link #KEYS}. */
    static Map<String, String> of(Network network, String fcnnVersion) {
        Map<String, String> m = new LinkedHashMap<>(ModelFile.architecture(network));
        m.put(FCNN_VERSION, fcnnVersion);
        return m;
    }
}
