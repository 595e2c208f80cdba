// SPDX-License-Identifier: Apache-2.0
package org.fcnn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Reads numeric tables from CSV files: the input columns first, then either one integer class-label column
 * ({@link #labelColumn()}) or {@code k} target columns for regression ({@link #targetColumns(int)}).
 *
 * <p>Rules: one sample per line; cells separated by the delimiter (default {@code ','}) and trimmed; a cell may
 * be wrapped in double quotes; blank lines and lines starting with {@code #} are skipped. A header line is
 * optional: by default the first line is taken as a header when none of its cells is a number
 * ({@link #withHeader(Boolean)} makes it explicit). Numbers are decimal ({@code -1.5}, {@code 2e-3}); NaN,
 * infinities, empty cells and anything else are rejected with the line and column. Every line must have as
 * many cells as the first. Labels must be integers in {@code [0, classes)}, and below {@link Dataset#MAX_CLASSES}.
 * A file that is not valid UTF-8 is rejected with the line and byte where the bad bytes start.
 *
 * <p>Instances are immutable; the {@code with...} methods return modified copies.
 */
public final class CsvReader {
    /**
     * A decimal number. The quantifiers are possessive: with plain ones a long run of digits that is not a number
     * (say 50,000 digits, then a letter) backtracks quadratically, for seconds (found by the fuzz test).
     */
    private static final Pattern NUMBER = Pattern.compile("[+-]?+(?:\\d++\\.?+\\d*+|\\.\\d++)(?:[eE][+-]?+\\d++)?+");

    private final int targets;
    private final boolean label;
    private final int classes;
    private final Boolean header;
    private final char delimiter;

    private CsvReader(int targets, boolean label, int classes, Boolean header, char delimiter) {
        this.targets = targets;
        this.label = label;
        this.classes = classes;
        this.header = header;
        this.delimiter = delimiter;
    }

    /** A reader for tables whose last column is an integer class label; gives a classification set. */
    public static CsvReader labelColumn() {
        return new CsvReader(1, true, 0, null, ',');
    }

    /** A reader for tables whose last {@code count} columns are regression targets. */
    public static CsvReader targetColumns(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("the number of target columns must be positive, got " + count);
        }
        return new CsvReader(count, false, 0, null, ',');
    }

    /** A reader for tables of inputs only (e.g. rows to predict); {@link #parseRow} is the way to use it. */
    public static CsvReader inputsOnly() {
        return new CsvReader(0, false, 0, null, ',');
    }

    /**
     * The number of classes for a label column (default 0: the largest label plus one, at least 2), at most
     * {@link Dataset#MAX_CLASSES}.
     */
    public CsvReader withClasses(int classes) {
        if (classes < 0 || classes == 1 || classes > Dataset.MAX_CLASSES) {
            throw new IllegalArgumentException("classes must be 0 (from the data) or 2 to " + Dataset.MAX_CLASSES
                    + ", got " + classes);
        }
        return new CsvReader(targets, label, classes, header, delimiter);
    }

    /** {@code true}: the first line is a header; {@code false}: it is data; {@code null} (default): detect. */
    public CsvReader withHeader(Boolean header) {
        return new CsvReader(targets, label, classes, header, delimiter);
    }

    /** The cell delimiter, e.g. {@code ';'} or {@code '\t'} (default {@code ','}). */
    public CsvReader withDelimiter(char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' || Character.isLetterOrDigit(delimiter)
                || delimiter == '.' || delimiter == '-' || delimiter == '+') {
            throw new IllegalArgumentException("unusable delimiter '" + delimiter + "'");
        }
        return new CsvReader(targets, label, classes, header, delimiter);
    }

    /**
     * Reads a file (UTF-8).
     *
     * @throws DataFileException naming the file, line and column of the first problem
     */
    public Dataset read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r, file.toString(), file);
        } catch (CharacterCodingException e) {
            throw notUtf8(file, e);
        }
    }

    /**
     * The decoder reads ahead, so its exception does not say where the bad bytes are: find the first malformed
     * sequence again, by line and byte. (A {@code '\n'} byte is always a line end in UTF-8, never part of a
     * longer sequence.)
     */
    private static DataFileException notUtf8(Path file, CharacterCodingException cause) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] buf = new byte[1 << 16];
        CharBuffer out = CharBuffer.allocate(buf.length);
        int kept = 0; // bytes at the start of buf not decoded yet (the start of a sequence)
        long bufStart = 0; // the file offset of buf[0]
        int line = 1;
        long lineStart = 0; // the file offset of the current line's first byte
        try (InputStream s = Files.newInputStream(file)) {
            while (true) {
                int n = s.read(buf, kept, buf.length - kept);
                boolean eof = n < 0;
                ByteBuffer in = ByteBuffer.wrap(buf, 0, kept + Math.max(n, 0));
                CoderResult r;
                do {
                    out.clear();
                    r = decoder.decode(in, out, eof);
                } while (r.isOverflow());
                int good = in.position();
                for (int i = 0; i < good; i++) {
                    if (buf[i] == '\n') {
                        line++;
                        lineStart = bufStart + i + 1;
                    }
                }
                if (r.isError()) {
                    long at = bufStart + good;
                    DataFileException e = new DataFileException(file, line, 0, String.format("not valid UTF-8: "
                            + "byte 0x%02X at byte %d of the line (byte %d of the file)", buf[good] & 0xFF,
                            at - lineStart + 1, at + 1));
                    e.initCause(cause);
                    return e;
                }
                if (eof) {
                    return new DataFileException(file, "not valid UTF-8 (" + cause + ")", cause);
                }
                kept = in.limit() - good;
                System.arraycopy(buf, good, buf, 0, kept);
                bufStart += good;
            }
        }
    }

    /** Reads from {@code reader}; {@code source} names it in error messages. */
    public Dataset read(Reader reader, String source) throws IOException {
        BufferedReader r = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        return read(r, source, null);
    }

    private Dataset read(BufferedReader r, String source, Path file) throws IOException {
        if (targets == 0) {
            throw new IllegalStateException("an inputs-only reader parses rows with parseRow; use labelColumn() "
                    + "or targetColumns(k) to read a dataset");
        }
        int columns = -1;
        int inputs = 0;
        FloatList x = new FloatList();
        FloatList t = new FloatList();
        IntList y = new IntList();
        String[] cells = null;
        float[] row = null;
        int lineNo = 0;
        int firstDataLine = 0;
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (isSkipped(line)) {
                continue;
            }
            if (columns < 0) {
                cells = split(line, delimiter, null);
                columns = cells.length;
                if (columns <= targets) {
                    throw error(file, source, lineNo, 0, columns + " columns: need at least one input column and "
                            + (label ? "the label column" : targets + " target column" + (targets > 1 ? "s" : "")));
                }
                inputs = columns - targets;
                row = new float[columns];
                boolean isHeader = header != null ? header : noNumbers(cells);
                firstDataLine = isHeader ? 0 : lineNo;
                if (isHeader) {
                    continue;
                }
            } else {
                cells = split(line, delimiter, cells);
                if (cells == null) {
                    throw error(file, source, lineNo, 0, countCells(line, delimiter) + " columns, expected " + columns
                            + " (as on line " + (firstDataLine > 0 ? firstDataLine : lineNo - 1) + ")");
                }
                if (firstDataLine == 0) {
                    firstDataLine = lineNo;
                }
            }
            for (int c = 0; c < columns; c++) {
                row[c] = parseCell(cells[c], file, source, lineNo, c + 1);
            }
            x.add(row, 0, inputs);
            if (label) {
                float v = row[inputs];
                if (v != Math.rint(v) || v < 0 || (classes > 0 && v >= classes)) {
                    throw error(file, source, lineNo, columns, "label '" + cells[inputs].trim() + "' is not "
                            + (classes > 0 ? "an integer in 0.." + (classes - 1) : "a non-negative integer"));
                }
                if (v >= Dataset.MAX_CLASSES) {
                    throw error(file, source, lineNo, columns, "label '" + cells[inputs].trim() + "' is too large: "
                            + "a dataset has at most " + Dataset.MAX_CLASSES + " classes (labels 0.."
                            + (Dataset.MAX_CLASSES - 1) + ")");
                }
                y.add((int) v);
            } else {
                t.add(row, inputs, targets);
            }
        }
        if (columns < 0 || (label ? y.size : t.size) == 0) {
            throw error(file, source, Math.max(lineNo, 1), 0, "no data rows");
        }
        if (label) {
            int[] labels = y.toArray();
            int k = classes;
            if (k == 0) {
                int max = Arrays.stream(labels).max().orElse(0);
                k = Math.max(2, max + 1);
            }
            if ((long) labels.length * k > Dataset.MAX_VALUES) {
                throw error(file, source, lineNo, 0, "the one-hot targets of " + labels.length + " rows and " + k
                        + " classes (" + ((long) labels.length * k) + " values) do not fit in one array");
            }
            return Dataset.ownClassification(x.toArray(), inputs, labels, k);
        }
        return Dataset.ownRegression(x.toArray(), inputs, t.toArray(), targets);
    }

    /**
     * Parses one data line of input values into {@code out} ({@code out.length} cells expected): for reading rows
     * one at a time, e.g. from standard input.
     *
     * @return {@code false} if the line is blank or a comment and holds no row
     * @throws DataFileException if the line has another number of cells or a cell is not a finite number
     */
    public boolean parseRow(String line, int lineNumber, String source, float[] out) throws DataFileException {
        if (isSkipped(line)) {
            return false;
        }
        String[] cells = split(line, delimiter, new String[out.length]);
        if (cells == null) {
            throw new DataFileException(source, lineNumber, 0, countCells(line, delimiter) + " columns, expected "
                    + out.length);
        }
        for (int c = 0; c < out.length; c++) {
            out[c] = parseCell(cells[c], null, source, lineNumber, c + 1);
        }
        return true;
    }

    /** Whether no cell of the line is a number: then it is a header. */
    public boolean isHeader(String line) {
        return !isSkipped(line) && noNumbers(split(line, delimiter, null));
    }

    private static boolean isSkipped(String line) {
        String s = line.strip();
        return s.isEmpty() || s.startsWith("#");
    }

    private static boolean noNumbers(String[] cells) {
        for (String c : cells) {
            if (NUMBER.matcher(unquote(c.strip())).matches()) {
                return false;
            }
        }
        return true;
    }

    private static float parseCell(String cell, Path file, String source, int line, int column) throws DataFileException {
        String s = unquote(cell.strip());
        if (s.isEmpty()) {
            throw error(file, source, line, column, "empty cell; expected a number");
        }
        if (!NUMBER.matcher(s).matches()) {
            throw error(file, source, line, column, "'" + abbreviate(s) + "' is not a number");
        }
        float v = Float.parseFloat(s);
        if (!Float.isFinite(v)) {
            throw error(file, source, line, column, "'" + abbreviate(s) + "' is out of the float range");
        }
        return v;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"'
                ? s.substring(1, s.length() - 1).strip() : s;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /** Splits into {@code reuse} when given (null if the count differs), otherwise into a new array. */
    private static String[] split(String line, char delimiter, String[] reuse) {
        if (reuse == null) {
            reuse = new String[countCells(line, delimiter)];
        }
        int cell = 0;
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i == line.length() || line.charAt(i) == delimiter) {
                if (cell == reuse.length) {
                    return null;
                }
                reuse[cell++] = line.substring(start, i);
                start = i + 1;
            }
        }
        return cell == reuse.length ? reuse : null;
    }

    private static int countCells(String line, char delimiter) {
        int n = 1;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == delimiter) {
                n++;
            }
        }
        return n;
    }

    private static DataFileException error(Path file, String source, int line, int column, String problem) {
        return file != null ? new DataFileException(file, line, column, problem)
                : new DataFileException(source, line, column, problem);
    }

    private static final class FloatList {
        float[] a = new float[1024];
        int size;

        void add(float[] src, int from, int count) {
            if (size + count > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, size + count));
            }
            System.arraycopy(src, from, a, size, count);
            size += count;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    private static final class IntList {
        int[] a = new int[256];
        int size;

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    @Override
    public String toString() {
        return "CsvReader(" + (label ? "label column" : targets == 0 ? "inputs only" : targets + " target columns")
                + (classes > 0 ? ", " + classes + " classes" : "") + ", header " + (header == null ? "auto" : header)
                + ", delimiter '" + delimiter + "')";
    }
}
