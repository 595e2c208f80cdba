// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path dir;

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), content);
    }

    private String error(CsvReader reader, String content) throws IOException {
        Path f = write(content);
        DataFileException e = assertThrows(DataFileException.class, () -> reader.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        return e.getMessage().substring(f.toString().length());
    }

    @Test
    void labelColumnWithHeader() throws IOException {
        Dataset d = CsvReader.labelColumn().read(write("x1,x2,label\n0.5,1,2\n-1e-1, 3 ,0\n\n# comment\n2,.5,1\n"));
        assertEquals(3, d.size());
        assertEquals(2, d.inputs());
        assertEquals(3, d.classes());
        assertArrayEquals(new int[] {2, 0, 1}, d.labels());
        assertEquals(-0.1f, d.feature(1, 0));
        assertEquals(3f, d.feature(1, 1));
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, d.targets());
    }

    @Test
    void labelColumnWithoutHeaderAndExplicitClasses() throws IOException {
        Dataset d = CsvReader.labelColumn().withClasses(5).read(write("1,2,3\n4,5,0\n"));
        assertEquals(2, d.size());
        assertEquals(5, d.outputs());
    }

    @Test
    void targetColumns() throws IOException {
        Dataset d = CsvReader.targetColumns(2).read(write("a,b,c,t1,t2\n1,2,3,0.25,-4\n5,6,7,8,9\n"));
        assertFalse(d.isClassification());
        assertEquals(3, d.inputs());
        assertEquals(2, d.outputs());
        assertArrayEquals(new float[] {0.25f, -4, 8, 9}, d.targets());
        assertThrows(IllegalStateException.class, () -> d.label(0));
    }

    @Test
    void otherDelimiterAndQuotes() throws IOException {
        Dataset d = CsvReader.labelColumn().withDelimiter(';').read(new StringReader("\"x\";\"y\"\n\"1.5\";1\n2;0\n"), "mem");
        assertEquals(2, d.size());
        assertEquals(1.5f, d.feature(0, 0));
    }

    @Test
    void nonNumericCellGivesLineAndColumn() throws IOException {
        assertEquals(":3:2: 'abc' is not a number", error(CsvReader.labelColumn(), "x,y,l\n1,2,0\n3,abc,1\n"));
    }

    @Test
    void lenientJavaNumberFormsAreRejected() throws IOException {
        assertEquals(":1:1: '1f' is not a number", error(CsvReader.labelColumn(), "1f,2,0\n"));
        assertEquals(":2:2: 'NaN' is not a number", error(CsvReader.labelColumn(), "1,2,0\n1,NaN,0\n"));
        assertEquals(":2:1: '1e99' is out of the float range", error(CsvReader.labelColumn(), "1,2,0\n1e99,1,0\n"));
    }

    @Test
    void emptyCell() throws IOException {
        assertEquals(":2:2: empty cell; expected a number", error(CsvReader.labelColumn(), "1,2,0\n1,,0\n"));
    }

    @Test
    void wrongNumberOfColumns() throws IOException {
        assertEquals(":3: 2 columns, expected 3 (as on line 2)", error(CsvReader.labelColumn(), "a,b,c\n1,2,0\n1,0\n"));
    }

    @Test
    void labelsMustBeIntegersInRange() throws IOException {
        assertEquals(":1:3: label '1.5' is not a non-negative integer", error(CsvReader.labelColumn(), "1,2,1.5\n"));
        assertEquals(":2:3: label '-1' is not a non-negative integer", error(CsvReader.labelColumn(), "1,2,0\n1,2,-1\n"));
        assertEquals(":2:3: label '7' is not an integer in 0..2",
                error(CsvReader.labelColumn().withClasses(3), "1,2,0\n1,2,7\n"));
    }

    @Test
    void noDataRows() throws IOException {
        assertEquals(":1: no data rows", error(CsvReader.labelColumn(), "x,y,label\n"));
        assertEquals(":1: 1 columns: need at least one input column and the label column",
                error(CsvReader.labelColumn(), "5\n"));
    }

    @Test
    void explicitHeaderSetting() throws IOException {
        // A numeric first line read as a header when told so.
        Dataset d = CsvReader.labelColumn().withHeader(true).read(write("1,2,0\n3,4,1\n"));
        assertEquals(1, d.size());
        // A non-numeric first line is an error when told there is no header.
        assertEquals(":1:1: 'x' is not a number", error(CsvReader.labelColumn().withHeader(false), "x,y,l\n1,2,0\n"));
    }

    @Test
    void parseRowForStreaming() throws IOException {
        CsvReader r = CsvReader.inputsOnly();
        float[] row = new float[3];
        assertTrue(r.parseRow("1, 2.5,-3", 4, "<stdin>", row));
        assertArrayEquals(new float[] {1, 2.5f, -3}, row);
        assertFalse(r.parseRow("   ", 5, "<stdin>", row));
        DataFileException e = assertThrows(DataFileException.class, () -> r.parseRow("1,2", 6, "<stdin>", row));
        assertEquals("<stdin>:6: 2 columns, expected 3", e.getMessage());
        assertTrue(r.isHeader("a,b,c"));
        assertFalse(r.isHeader("a,1,c"));
    }

    @Test
    void aFileThatIsNotUtf8IsRejectedWithTheLineAndByte() throws IOException {
        // Found by the fuzz test's seeds: a bare MalformedInputException ("Input length = 1") naming nothing.
        byte[] text = "x,y,label\n1,2,0\ncaf\u00e9,1,0\n".getBytes(StandardCharsets.ISO_8859_1);
        Path f = Files.write(dir.resolve("latin1.csv"), text);
        DataFileException e = assertThrows(DataFileException.class, () -> CsvReader.labelColumn().read(f));
        assertEquals(f + ":3: not valid UTF-8: byte 0xE9 at byte 4 of the line (byte 20 of the file)", e.getMessage());
        // Far past the reader's first buffer, and after a multi-byte character, still the right line and byte.
        String longLines = "1,2,0\n".repeat(20_000) + "\u00e9\u00e9,1,0\n";
        byte[] utf8 = longLines.getBytes(StandardCharsets.UTF_8);
        byte[] bad = java.util.Arrays.copyOf(utf8, utf8.length + 3);
        System.arraycopy(new byte[] {'1', (byte) 0xC3, ','}, 0, bad, utf8.length, 3);
        Path g = Files.write(dir.resolve("late.csv"), bad);
        e = assertThrows(DataFileException.class, () -> CsvReader.labelColumn().read(g));
        assertEquals(g + ":20002: not valid UTF-8: byte 0xC3 at byte 2 of the line (byte " + (utf8.length + 2)
                + " of the file)", e.getMessage());
    }

    @Test
    void aHugeLabelIsRejected() throws IOException {
        // Found by the fuzz test's seeds: a label of 16777216 was accepted and asked for 64 MiB of one-hot targets
        // per row.
        assertEquals(":2:3: label '65536' is too large: a dataset has at most 65536 classes (labels 0..65535)",
                error(CsvReader.labelColumn(), "1,2,0\n1,2,65536\n"));
        assertEquals(Dataset.MAX_CLASSES, CsvReader.labelColumn().read(write("1,2,65535\n")).classes());
        assertThrows(IllegalArgumentException.class, () -> CsvReader.labelColumn().withClasses(Dataset.MAX_CLASSES + 1));
    }

    @Test
    void aLongCellThatIsNotANumberIsRejectedInLinearTime() throws IOException {
        // Found while writing the fuzz test: the number pattern backtracked quadratically on a long run of digits
        // followed by another character (50,000 digits: 21 s). The preemptive timeout is a hang guard 1,000 times
        // above what the linear pattern takes (a few ms), not a performance measurement.
        String cell = "1".repeat(200_000) + "x";
        String message = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> error(CsvReader.labelColumn(), "1," + cell + ",0\n"));
        assertEquals(":1:2: '1111111111111111111111111111111111111...' is not a number", message);
    }
}
