// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import static org.fcnn.fuzz.FuzzTarget.readOrReject;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.fcnn.fuzz.FuzzTarget;
import org.fcnn.io.SafeTensors.Tensor;

/**
 * Fuzz tests of the model file readers: the safetensors reader, the fcnn model on top of it, and the JSON parser
 * of the header. In {@code mvn verify} each replays its corpus in
 * {@code src/test/resources/org/fcnn/io/SafeTensorsFuzzTestInputs/<method>/}; {@code -Pfuzz} fuzzes one of
 * them (docs/RELIABILITY.md, "Fuzzing"). The rule for a finding is {@link FuzzTarget#readOrReject}: the readers
 * document {@link ModelFileException} for a bad file, the JSON parser {@link Json.JsonException}.
 */
class SafeTensorsFuzzTest {

    /**
     * {@link SafeTensors#read} on the bytes. An accepted file must survive a round trip: written again with
     * {@link SafeTensors#write} and read back, it has the same metadata and tensors.
     */
    @FuzzTest
    void safeTensors(byte[] bytes) throws Exception {
        Path file = Files.write(FuzzTarget.scratch("fuzz.safetensors"), bytes);
        SafeTensors.Contents c = readOrReject(() -> SafeTensors.read(file), ModelFileException.class);
        if (c == null) {
            return;
        }
        Path again = FuzzTarget.scratch("again.safetensors");
        SafeTensors.write(again, c.metadata(), c.tensors());
        SafeTensors.Contents d = SafeTensors.read(again);
        assertEquals(c.metadata(), d.metadata());
        assertEquals(c.tensors().size(), d.tensors().size());
        for (int i = 0; i < c.tensors().size(); i++) {
            Tensor a = c.tensors().get(i);
            Tensor b = d.tensors().get(i);
            assertEquals(a.name(), b.name());
            assertEquals(a.dtype(), b.dtype());
            assertArrayEquals(a.shape(), b.shape());
            assertEquals(a.data(), b.data(), "data of " + a.name());
        }
    }

    /**
     * {@link ModelFile#read} on the bytes. An accepted model must be consistent: one activation, bias kind and
     * weight tensor per layer, sizes that chain.
     */
    @FuzzTest
    void modelFile(byte[] bytes) throws Exception {
        Path file = Files.write(FuzzTarget.scratch("fuzz-model.safetensors"), bytes);
        ModelFile.SavedModel m = readOrReject(() -> ModelFile.read(file), ModelFileException.class);
        if (m == null) {
            return;
        }
        int[] sizes = m.sizes();
        int layers = sizes.length - 1;
        assertTrue(layers >= 1, "at least one layer");
        for (int s : sizes) {
            assertTrue(s > 0, "positive sizes");
        }
        assertEquals(layers, m.activations().size());
        assertEquals(layers, m.biasKinds().size());
        assertEquals(ModelFile.FORMAT, m.metadata().get("format"));
        assertEquals(sizes[layers], m.outputSize());
    }

    /**
     * {@link Json#parse} on the bytes as UTF-8. An accepted value holds only the documented types, and every
     * string in it (keys too) survives {@link Json#quote} and parsing back.
     */
    @FuzzTest
    void json(byte[] bytes) throws Exception {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Object v = readOrReject(() -> Json.parse(text), Json.JsonException.class);
        if (v != null) {
            check(v, 0);
        }
    }

    private static void check(Object v, int depth) throws Json.JsonException {
        assertTrue(depth <= Json.MAX_DEPTH, "nesting within the limit");
        if (v instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                checkString((String) e.getKey());
                check(e.getValue(), depth + 1);
            }
        } else if (v instanceof List<?> list) {
            for (Object o : list) {
                check(o, depth + 1);
            }
        } else if (v instanceof String s) {
            checkString(s);
        } else if (!(v instanceof Long || v instanceof BigInteger || v instanceof Double || v instanceof Boolean
                || v == Json.NULL)) {
            fail("undocumented JSON value type " + v.getClass().getName());
        }
    }

    private static void checkString(String s) throws Json.JsonException {
        assertEquals(s, Json.parse(Json.quote(s)), "quote then parse gives the string back");
    }
}
