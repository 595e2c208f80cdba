// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesValues() throws Exception {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\\n\\u00e9\\ud83d\\ude00\": {}, \"c\": []}  ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1L, -25.0, true, false, Json.NULL), m.get("a"));
        assertEquals(Map.of(), m.get("b\n\u00e9\ud83d\ude00"));
        assertEquals(List.of(), m.get("c"));
        assertEquals(new BigInteger("123456789012345678901234567890"), Json.parse("123456789012345678901234567890"));
        assertSame(Json.NULL, Json.parse("null"));
    }

    @Test
    void keepsKeyOrder() throws Exception {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"z\":1,\"a\":2,\"m\":3}");
        assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    }

    @Test
    void rejectsWhatStrictJsonRejects() {
        String[] bad = {"", "{", "{\"a\":1,}", "[1,]", "{\"a\":1 \"b\":2}", "{a:1}", "{'a':1}", "01", "1.", ".5",
            "1e", "-", "+1", "NaN", "tru", "\"abc", "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
            "{\"a\":1}{}", "{} x", "[1 2]", "// c\n{}", "{\"a\":1,\"a\":2}"};
        for (String s : bad) {
            assertThrows(Json.JsonException.class, () -> Json.parse(s), s);
        }
    }

    @Test
    void messagesSayWhatAndWhere() {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("{\"a\":1,\"a\":2}"));
        assertEquals("duplicate key \"a\" at offset 7", e.getMessage());
        e = assertThrows(Json.JsonException.class, () -> Json.parse("[1,]"));
        assertTrue(e.getMessage().contains("unexpected character ']' at offset 3"), e.getMessage());
    }

    @Test
    void limitsNesting() {
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThrows(AssertionError.class, () -> assertThrows(Json.JsonException.class, () -> Json.parse(ok)));
    }

    @Test
    void quoteRoundTrips() throws Exception {
        String s = "a\"b\\c\nd\te\u0001f\u00e9\ud83d\ude00/";
        assertEquals(s, Json.parse(Json.quote(s)));
        assertEquals("\"\uFFFD\"", Json.quote("\ud800"));
    }

    @Test
    void exponentsBeyondTheIntRangeAreNumbers() throws Exception {
        // Found by the fuzz test's seeds: BigDecimal threw NumberFormatException ("Exponent overflow") here.
        assertEquals(List.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, 1e300),
                Json.parse("[1e2147483648, -1.5E+99999999999, 1.5e-2147483649, 1e300]"));
        assertEquals(List.of(0.1, 1.7976931348623157e308), Json.parse("[0.1, 1.7976931348623157e308]"));
    }

    @Test
    void limitsTheDigitsOfAnInteger() throws Exception {
        String most = "9".repeat(Json.MAX_INTEGER_DIGITS);
        assertEquals(new BigInteger("-" + most), Json.parse("-" + most));
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("[1, " + most + "9]"));
        assertEquals("integer of 4301 digits; at most 4300 are accepted at offset 4", e.getMessage());
        // Only integers become BigInteger; a long fraction parses as a double in linear time.
        assertEquals(1.0, Json.parse("1." + "0".repeat(100_000)));
    }
}
