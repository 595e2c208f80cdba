// SPDX-License-Identifier: Apache-2.0
package org.fcnn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version of fcnn this module belongs to, from {@code version.properties} (filtered by the build). */
final class FcnnVersion {
    private static final String VERSION = load();

    private FcnnVersion() {
    }

    /** E.g. {@code 0.1.0-SNAPSHOT}. */
    static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = FcnnVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("org/fcnn/onnx/version.properties is missing from the nn-onnx jar");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            if (v.isEmpty() || v.startsWith("${")) {
                throw new IllegalStateException("org/fcnn/onnx/version.properties was not filtered by the build: '"
                        + v + "'");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read org/fcnn/onnx/version.properties", e);
        }
    }
}
