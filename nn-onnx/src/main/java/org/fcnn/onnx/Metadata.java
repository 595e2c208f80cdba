// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.fcnn.api.Bias;
import org.fcnn.api.Layer;
import org.fcnn.api.Network;

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
        List<String> sizes = new ArrayList<>();
        for (int s : network.sizes()) {
            sizes.add(String.valueOf(s));
        }
        List<String> activations = new ArrayList<>();
        List<String> biases = new ArrayList<>();
        List<String> dropout = new ArrayList<>();
        for (Layer l : network.layers()) {
            activations.add(l.activation().id());
            biases.add(biasKind(l.bias()));
            dropout.add(l.dropout() == 0 ? "0" : String.valueOf(l.dropout()));
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SIZES, String.join(",", sizes));
        m.put(ACTIVATIONS, String.join(",", activations));
        m.put(BIASES, String.join(",", biases));
        m.put(DROPOUT, String.join(",", dropout));
        m.put(LOSS, network.loss().id());
        m.put(PRECISION, network.precision().name().toLowerCase(Locale.ROOT));
        m.put(FCNN_VERSION, fcnnVersion);
        return m;
    }

    /** {@code trainable}, {@code frozen} or {@code none}. */
    static String biasKind(Bias bias) {
        return !bias.isPresent() ? "none" : bias.isTrainable() ? "trainable" : "frozen";
    }
}
