// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each {@code Double...} class is generated from its {@code Float...} twin by the {@code sed} command in
 * {@code package-info.java}; this test applies the same replacements to the float32 source and fails when
 * the committed float64 source differs, i.e. when one twin was edited without regenerating the other.
 * Runs from the module directory, as Maven's Surefire does.
 */
class GeneratedTwinsTest {
    private static final Path SOURCES = Path.of("src/main/java/org/fcnn/cpu");

    /** {@code sed -e 's/float32/float64/g; s/Float/Double/g; s/float/double/g; s/sgemm/dgemm/g'}. */
    static String generate(String floatSource) {
        return floatSource.replace("float32", "float64").replace("Float", "Double").replace("float", "double")
                .replace("sgemm", "dgemm");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Kernels", "Layers", "Gemm", "PlainFloatGemm", "SmallFloatGemm", "GemmRunner",
        "VectorFloatGemm", "VectorFloatDots",
        "FloatMicroKernel", "VectorFloatKernel6x4", "VectorFloatKernel6x2", "FloatCompiledStep"})
    void doubleTwinIsGeneratedFromTheFloatSource(String name) throws IOException {
        String floatName = name.contains("Float") ? name : "Float" + name;
        String doubleName = floatName.replace("Float", "Double");
        String expected = generate(Files.readString(SOURCES.resolve(floatName + ".java")));
        String actual = Files.readString(SOURCES.resolve(doubleName + ".java"));
        assertEquals(expected, actual, doubleName + ".java differs from what the sed command in package-info.java "
                + "generates from " + floatName + ".java; regenerate it");
    }
}
