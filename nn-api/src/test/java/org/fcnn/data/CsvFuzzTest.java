// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import static org.fcnn.fuzz.FuzzTarget.readOrReject;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fcnn.fuzz.FuzzTarget;

/**
 * Fuzz test of {@link CsvReader}. In {@code mvn verify} it replays its corpus in
 * {@code src/test/resources/org/fcnn/data/CsvFuzzTestInputs/csvReader/}; {@code -Pfuzz} fuzzes it
 * (docs/RELIABILITY.md, "Fuzzing"). The rule for a finding is {@link FuzzTarget#readOrReject}: the reader
 * documents {@link DataFileException} naming the file, line and column.
 */
class CsvFuzzTest {
    private static final char[] DELIMITERS = {',', ';', '\t', '|', ' '};

    /**
     * The first bytes of the input choose the reader (a label column with 0 or 2 to 10 classes, 1 to 3 target
     * columns, or inputs only through {@link CsvReader#parseRow}), the header setting and the delimiter; the rest
     * is the file. An accepted file must give a dataset of finite values whose labels are in range.
     */
    @FuzzTest
    void csvReader(FuzzedDataProvider data) throws Exception {
        int mode = data.consumeInt(0, 4);
        int header = data.consumeInt(0, 2);
        char delimiter = DELIMITERS[data.consumeInt(0, DELIMITERS.length - 1)];
        int classes = data.consumeInt(0, 10);
        classes = classes == 1 ? 0 : classes;
        byte[] text = data.consumeRemainingAsBytes();
        Path file = Files.write(FuzzTarget.scratch("fuzz.csv"), text);

        if (mode == 4) {
            CsvReader rows = CsvReader.inputsOnly().withDelimiter(delimiter);
            String[] lines = new String(text, StandardCharsets.UTF_8).split("\n", -1);
            float[] out = new float[1 + (classes % 4)];
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                int n = i + 1;
                Boolean held = readOrReject(() -> rows.parseRow(line, n, "fuzz", out), DataFileException.class);
                if (Boolean.TRUE.equals(held)) {
                    for (float v : out) {
                        assertTrue(Float.isFinite(v), "parseRow gave " + v);
                    }
                }
            }
            return;
        }
        CsvReader reader = mode == 0 ? CsvReader.labelColumn().withClasses(classes) : CsvReader.targetColumns(mode);
        reader = reader.withDelimiter(delimiter).withHeader(header == 0 ? null : header == 1);
        CsvReader r = reader;
        Dataset d = readOrReject(() -> r.read(file), DataFileException.class);
        if (d == null) {
            return;
        }
        assertTrue(d.size() >= 1 && d.inputs() >= 1, "a dataset has samples and inputs: " + d);
        finite("features", d.features());
        finite("targets", d.targets());
        if (mode == 0) {
            assertTrue(d.isClassification());
            assertTrue(d.classes() >= 2, "at least 2 classes");
            if (classes > 0) {
                assertEquals(classes, d.classes());
            }
            for (int label : d.labels()) {
                assertTrue(label >= 0 && label < d.classes(), "label " + label + " of " + d.classes() + " classes");
            }
        } else {
            assertEquals(mode, d.outputs());
        }
    }

    private static void finite(String what, float[] values) {
        for (int i = 0; i < values.length; i++) {
            assertTrue(Float.isFinite(values[i]), what + " " + i + " is " + values[i]);
        }
    }
}
