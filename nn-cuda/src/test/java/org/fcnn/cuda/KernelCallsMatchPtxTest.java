// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fcnn.api.Precision;
import org.fcnn.spi.device.ArgKind;
import org.fcnn.spi.device.Kernel;
import org.fcnn.spi.device.KernelCall;
import org.fcnn.spi.device.RecordingKernelBackend;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA backend's kernel calls, checked without a GPU: they are composed by the shared
 * {@link org.fcnn.spi.device.KernelBackend} (the calls the OpenCL conformance suite runs for real), so what is
 * left to check here is that they fit the committed PTX. {@link CudaBackend#launch} checks the same at run
 * time, where a mismatch would otherwise crash the JVM.
 */
class KernelCallsMatchPtxTest {

    @ParameterizedTest
    @EnumSource(Precision.class)
    void theKernelTableIsThePtxsListOfEntriesAndParameters(Precision p) {
        Map<String, List<ArgKind>> table = new LinkedHashMap<>();
        for (Kernel k : Kernel.values()) {
            table.put(k.entry(), k.parameters());
        }
        assertEquals(table, PtxModules.signatures(p), PtxModules.resourceName(p));
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyCallOfEveryOperationFitsItsPtxEntry(Precision p) {
        Map<String, List<ArgKind>> ptx = PtxModules.signatures(p);
        try (RecordingKernelBackend backend = new RecordingKernelBackend()) {
            backend.runEveryOperation(p);
            assertFalse(backend.calls.isEmpty());
            for (KernelCall call : backend.calls) {
                List<ArgKind> params = ptx.get(call.kernel().entry());
                assertNotNull(params, call.kernel().entry() + " is not an entry of " + PtxModules.resourceName(p));
                assertEquals(params, call.argKinds(), call.describe());
                assertEquals(p, call.precision(), call.describe());
            }
            assertEquals(ptx.size() - 1, backend.calls.stream().map(KernelCall::kernel).distinct().count(),
                    "every entry but copy is called");
        }
    }
}
