// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.fcnn.api.BackendUnavailableException;
import org.fcnn.api.Precision;
import org.fcnn.spi.Availability;
import org.fcnn.spi.device.ArgKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What runs without a GPU: the shipped PTX, its parameter lists, and the unavailable path. */
class CudaBackendTest {

    private static final ArgKind P = ArgKind.BUFFER;
    private static final ArgKind I = ArgKind.INT;
    private static final ArgKind R = ArgKind.REAL;

    @ParameterizedTest
    @EnumSource(Precision.class)
    void theShippedPtxHasEveryKernelWithTheParametersTheLauncherPasses(Precision p) {
        String ptx = new String(PtxModules.ptx(p), java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(ptx.contains(".target sm_75"), "PTX for compute_75");
        assertEquals(0, PtxModules.ptx(p)[PtxModules.ptx(p).length - 1], "NUL-terminated for cuModuleLoadData");
        Map<String, List<ArgKind>> s = PtxModules.signatures(p);
        assertEquals(List.of(P, P, P, I, I, I, I, I, I, I, R, R, I), s.get("gemm"));
        assertEquals(List.of(P, P, I, I), s.get("add_row_vector"));
        assertEquals(List.of(P, P, I, I), s.get("column_sums"));
        assertEquals(List.of(P, R, I), s.get("fill"));
        for (String k : List.of("sigmoid", "tanh_act", "relu", "copy")) {
            assertEquals(List.of(P, P, I), s.get(k), k);
        }
        for (String k : List.of("sigmoid_gradient", "tanh_gradient", "relu_gradient", "multiply")) {
            assertEquals(List.of(P, P, P, I), s.get(k), k);
        }
        assertEquals(List.of(P, P, P, R, I), s.get("difference"));
        assertEquals(List.of(P, P, I, I, I, I), s.get("bias_activate"));
        assertEquals(List.of(P, P, P, R, I, I), s.get("output_delta"));
        assertEquals(List.of(P, P, I, P, I, I), s.get("mask_derive"));
        assertEquals(List.of(P, P, P, I, R, I, I), s.get("dropout"));
        assertEquals(List.of(P, P, I), s.get("softmax"));
        assertEquals(List.of(P, P, P, I), s.get("softmax_gradient"));
        assertEquals(List.of(P, P, P, I, I, I), s.get("loss_partials"));
        assertEquals(List.of(P, P, R, R, I), s.get("sgd_update"));
        assertEquals(List.of(P, P, P, R, R, R, I), s.get("momentum_update"));
        assertEquals(List.of(P, P, P, P, R, R, R, R, R, R, I), s.get("adam_update"));
        assertEquals(23, s.size(), s.keySet().toString());
    }

    @Test
    void theFloatModuleHasNoDoublePrecisionArithmetic() {
        String ptx = new String(PtxModules.ptx(Precision.FLOAT32), java.nio.charset.StandardCharsets.US_ASCII);
        assertFalse(ptx.matches("(?s).*\\b\\w+\\.f64\\b.*"), "f64 instructions in the float module");
    }

    @Test
    void availabilityNeverThrowsAndCreateRefusesWithTheReasonWhenUnavailable() {
        CudaBackendProvider provider = new CudaBackendProvider();
        Availability a = provider.availability();
        assertEquals(a, provider.availability(), "decided once per JVM");
        if (!a.available()) {
            assertFalse(a.reason().isBlank());
            assertFalse(a.reason().contains("\n"), "one line: " + a.reason());
            BackendUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(
                    BackendUnavailableException.class, provider::create);
            assertTrue(e.getMessage().contains(a.reason()));
        } else {
            assertTrue(a.detail().contains("compute capability"), a.detail());
        }
        assertEquals(30, provider.priority());
    }
}
