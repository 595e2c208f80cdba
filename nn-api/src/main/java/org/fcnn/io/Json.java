// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) parser and string quoting, enough for safetensors headers.
 *
 * <p>Why not a library: the header is a few hundred bytes of plain JSON, and {@code nn-api} is a library
 * that depends on nothing but SLF4J, so applications that embed it do not inherit a JSON library and its
 * version conflicts. Being strict matters more than being fast here, because model files may come from
 * anywhere: duplicate keys, trailing commas, comments, leading zeros, unescaped control characters, lone
 * surrogates, nesting deeper than {@value #MAX_DEPTH}, integers of more than {@value #MAX_INTEGER_DIGITS}
 * digits and trailing content are all rejected.
 *
 * <p>Values: objects become {@code Map<String, Object>} (insertion-ordered, unmodifiable), arrays
 * {@code List<Object>}, strings {@code String}, integers {@code Long} (or {@code BigInteger} beyond long),
 * other numbers {@code Double} (correctly rounded; {@code +-Infinity} or {@code 0.0} beyond its range),
 * {@code true}/{@code false} {@code Boolean}, and {@code null} {@link #NULL}.
 */
final class Json {
    static final int MAX_DEPTH = 32;
    /**
     * The most digits of an integer (as Python's default {@code int_max_str_digits}): parsing a
     * {@link BigInteger} takes time quadratic in its digits (a million digits, a 1 MB header, took 21 s).
     */
    static final int MAX_INTEGER_DIGITS = 4300;
    /** The JSON {@code null}, distinct from a missing key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /** Thrown for malformed JSON; the message gives the character offset. */
    static final class JsonException extends Exception {
        private static final long serialVersionUID = 1L;

        JsonException(String message) {
            super(message);
        }
    }

    /** Parses one JSON value, surrounded by optional whitespace and nothing else. */
    static Object parse(String text) throws JsonException {
        Json p = new Json(text);
        p.skipWhitespace();
        Object v = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw p.error("unexpected content after the JSON value");
        }
        return v;
    }

    private Object value(int depth) throws JsonException {
        if (pos >= s.length()) {
            throw error("unexpected end of JSON");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{': return object(depth + 1);
            case '[': return array(depth + 1);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected character " + describe(c));
        }
    }

    private Map<String, Object> object(int depth) throws JsonException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(map);
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error("expected a string key");
            }
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth);
            if (map.putIfAbsent(key, v) != null) {
                pos = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            skipWhitespace();
            char c = next("',' or '}'");
            if (c == '}') {
                return Collections.unmodifiableMap(map);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' but found " + describe(c));
            }
        }
    }

    private List<Object> array(int depth) throws JsonException {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(list);
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth));
            skipWhitespace();
            char c = next("',' or ']'");
            if (c == ']') {
                return Collections.unmodifiableList(list);
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' but found " + describe(c));
            }
        }
    }

    private String string() throws JsonException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("unescaped control character " + describe(c) + " in a string");
            }
            if (Character.isHighSurrogate(c)) {
                if (pos >= s.length() || !Character.isLowSurrogate(s.charAt(pos))) {
                    pos--;
                    throw error("unpaired surrogate in a string");
                }
                sb.append(c).append(s.charAt(pos++));
                continue;
            }
            if (Character.isLowSurrogate(c)) {
                pos--;
                throw error("unpaired surrogate in a string");
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = next("an escape character");
            switch (e) {
                case '"': sb.append('"'); break;
                case '\\': sb.append('\\'); break;
                case '/': sb.append('/'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u':
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (!s.startsWith("\\u", pos)) {
                            throw error("unpaired surrogate escape in a string");
                        }
                        pos += 2;
                        char low = hex4();
                        if (!Character.isLowSurrogate(low)) {
                            throw error("unpaired surrogate escape in a string");
                        }
                        sb.append(u).append(low);
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("unpaired surrogate escape in a string");
                    } else {
                        sb.append(u);
                    }
                    break;
                default:
                    pos--;
                    throw error("invalid escape \\" + e);
            }
        }
    }

    private char hex4() throws JsonException {
        if (pos + 4 > s.length()) {
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
                throw error("invalid \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() throws JsonException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in a number");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("expected a digit");
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("expected a digit after the decimal point");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("expected a digit in the exponent");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        String text = s.substring(start, pos);
        if (integer) {
            int digits = pos - start - (text.charAt(0) == '-' ? 1 : 0);
            if (digits > MAX_INTEGER_DIGITS) {
                pos = start;
                throw error("integer of " + digits + " digits; at most " + MAX_INTEGER_DIGITS + " are accepted");
            }
            BigInteger b = new BigInteger(text);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        // Not BigDecimal: it throws for exponents beyond the int range (1e2147483648), which are valid JSON.
        // Double.parseDouble rounds correctly too, and gives +-Infinity or 0 beyond the double range.
        return Double.parseDouble(text);
    }

    private Object literal(String word, Object v) throws JsonException {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected character " + describe(s.charAt(pos)));
        }
        pos += word.length();
        return v;
    }

    private void checkDepth(int depth) throws JsonException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWhitespace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private char next(String expected) throws JsonException {
        if (pos >= s.length()) {
            throw error("unexpected end of JSON; expected " + expected);
        }
        return s.charAt(pos++);
    }

    private void expect(char c) throws JsonException {
        char got = next("'" + c + "'");
        if (got != c) {
            pos--;
            throw error("expected '" + c + "' but found " + describe(got));
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String describe(char c) {
        return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    private JsonException error(String message) {
        return new JsonException(message + " at offset " + pos);
    }

    /**
     * {@code text} as a JSON string literal, quotes included; non-ASCII characters are kept (for UTF-8 output),
     * a lone surrogate becomes U+FFFD.
     */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c) && !validSurrogateAt(text, i)) {
                        sb.append('\uFFFD'); // a lone surrogate cannot be encoded in UTF-8
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    private static boolean validSurrogateAt(String t, int i) {
        char c = t.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < t.length() && Character.isLowSurrogate(t.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(t.charAt(i - 1));
    }
}
