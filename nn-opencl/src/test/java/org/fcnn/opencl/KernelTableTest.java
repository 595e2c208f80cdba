// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcnn.spi.device.ArgKind;
import org.fcnn.spi.device.Geometry;
import org.fcnn.spi.device.Kernel;
import org.junit.jupiter.api.Test;

/** The shared kernel table and geometry constants against the kernel body itself (no device needed). */
class KernelTableTest {
    private static final Pattern KERNEL = Pattern.compile("KERNEL\\s+(\\w+)\\s*\\(([^)]*)\\)");

    @Test
    void theKernelTableListsTheBodysKernelsWithTheirParameters() {
        String body = ClContext.resource(ClContext.BODY);
        Map<String, List<ArgKind>> declared = new LinkedHashMap<>();
        Matcher m = KERNEL.matcher(body);
        while (m.find()) {
            List<ArgKind> kinds = new ArrayList<>();
            for (String param : m.group(2).split(",")) {
                kinds.add(param.contains("*") ? ArgKind.BUFFER
                        : param.contains("int ") ? ArgKind.INT : ArgKind.REAL);
            }
            declared.put(m.group(1), kinds);
        }
        Map<String, List<ArgKind>> table = new LinkedHashMap<>();
        for (Kernel k : Kernel.values()) {
            table.put(k.entry(), k.parameters());
        }
        assertEquals(table, declared);
    }

    @Test
    void theGeometryConstantsAreTheBodysDefines() {
        String body = ClContext.resource(ClContext.BODY);
        assertEquals(Geometry.ELEM_LANES, define(body, "ELEM_LANES"));
        assertEquals(Geometry.ROW_LANES, define(body, "ROW_LANES"));
        assertEquals(Geometry.COL_LANES, define(body, "COL_LANES"));
        assertEquals(Geometry.GEMM_TS, define(body, "GEMM_TS"));
        assertEquals(Geometry.GEMM_THREADS, define(body, "GEMM_THREADS"));
    }

    private static int define(String body, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)").matcher(body);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
