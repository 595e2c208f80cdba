// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The calls {@link KernelBackend} composes, recorded without a device. */
class KernelBackendTest {

    private static List<Object> values(KernelCall call) {
        return call.args().stream().map(KernelBackendTest::value).toList();
    }

    private static Object value(KernelArg a) {
        if (a instanceof KernelArg.Buffer b) {
            return b.matrix();
        } else if (a instanceof KernelArg.Int i) {
            return i.value();
        } else if (a instanceof KernelArg.Real r) {
            return r.value();
        }
        return "partials";
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyOperationCallsItsKernelsWithTheTablesParameterKinds(Precision p) {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            b.runEveryOperation(p);
            Set<Kernel> called = EnumSet.noneOf(Kernel.class);
            for (KernelCall call : b.calls) {
                assertEquals(call.kernel().parameters(), call.argKinds(), call.describe());
                assertEquals(p, call.precision());
                called.add(call.kernel());
            }
            assertEquals(EnumSet.complementOf(EnumSet.of(Kernel.COPY)), called, "every kernel but copy");
            assertEquals(2, b.copies.size(), "identity forward and backward are copies: " + b.copies);
        }
    }

    @Test
    void aDenseLayersPassesAreFusedIntoOneElementWiseLaunchAfterTheProduct() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix x = b.allocate(4, 3, Precision.FLOAT32);
            Matrix w = b.allocate(5, 3, Precision.FLOAT32);
            Matrix bias = b.allocate(1, 5, Precision.FLOAT32);
            Matrix a = b.allocate(4, 5, Precision.FLOAT32);
            Matrix t = b.allocate(4, 5, Precision.FLOAT32);
            Matrix d = b.allocate(4, 5, Precision.FLOAT32);
            Matrix below = b.allocate(4, 3, Precision.FLOAT32);
            Matrix dBelow = b.allocate(4, 3, Precision.FLOAT32);

            b.denseForward(x, w, bias, Activation.TANH, a);
            assertEquals(List.of(Kernel.GEMM, Kernel.BIAS_ACTIVATE), b.calls.stream().map(KernelCall::kernel).toList());
            assertEquals(List.of(a, bias, 1, 1, 20, 5), values(b.calls.get(1)), "a, bias, hasBias, tanh, n, cols");
            b.calls.clear();

            b.outputDelta(Loss.SQUARED_ERROR, Activation.SIGMOID, a, t, d);
            assertEquals(1, b.calls.size(), "one launch");
            assertEquals(List.of(a, t, d, 0.25, 0, 20), values(b.calls.get(0)), "o, t, delta, 1/rows, sigmoid, n");
            b.calls.clear();

            b.backpropagate(d, w, null, Activation.RELU, below, dBelow);
            assertEquals(List.of(Kernel.GEMM, Kernel.MASK_DERIVE), b.calls.stream().map(KernelCall::kernel).toList());
            assertEquals(List.of(dBelow, dBelow, 0, below, 2, 12), values(b.calls.get(1)), "d, no mask, a, relu, n");
            b.calls.clear();

            b.denseForward(x, w, null, Activation.IDENTITY, a);
            assertEquals(List.of(Kernel.GEMM), b.calls.stream().map(KernelCall::kernel).toList(),
                    "no bias and the identity: the product alone");
        }
    }

    @Test
    void gemmPassesTheGeometryOfCAndTheStoredColumnCounts() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix a = b.allocate(130, 7, Precision.FLOAT64);  // A^T is [7 x 130]
            Matrix w = b.allocate(3, 130, Precision.FLOAT64);  // B^T is [130 x 3]
            Matrix c = b.allocate(7, 3, Precision.FLOAT64);
            b.gemm(true, true, 2, a, w, 0.5, c);
            KernelCall call = b.calls.get(0);
            assertEquals(Kernel.GEMM, call.kernel());
            assertEquals(List.of(a, w, c, 7, 3, 130, 7, 130, 1, 1, 2.0, 0.5, 0), values(call));
            assertEquals(new Geometry.GemmTiles(7, 3), call.geometry());
            assertEquals(1, call.geometry().groupsX());
            assertEquals(1, call.geometry().groupsY());
            assertEquals(List.of(a, w, c), call.operands());
        }
    }

    @Test
    void theLossSumsThePartialsInDoubleAndScalesByRows() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix o = b.allocate(300, 70, Precision.FLOAT32);  // 21000 elements: 329 groups of 64, capped at 256
            Matrix t = b.allocate(300, 70, Precision.FLOAT32);
            b.partial = 0.75;
            assertEquals(0.5 * 256 * 0.75 / 300, b.loss(Loss.SQUARED_ERROR, o, t), 1e-15);
            assertEquals(256 * 0.75 / 300, b.loss(Loss.SOFTMAX_CROSS_ENTROPY, o, t), 1e-15);
            assertEquals(List.of(o, t, "partials", 0, 21000, 256 * 64), values(b.calls.get(0)));
            assertEquals(1, values(b.calls.get(1)).get(3), "kind 1: cross-entropy");
            assertEquals(new Geometry.Rows(256), b.calls.get(0).geometry());
            assertEquals(List.of(256, 256), b.partialReads);

            Matrix small = b.allocate(2, 3, Precision.FLOAT32);
            b.loss(Loss.SQUARED_ERROR, small, small);
            assertEquals(List.of(small, small, "partials", 0, 6, 64), values(b.calls.get(2)));
            assertEquals(1, b.partialReads.get(2));
        }
    }

    @Test
    void softmaxRunsOneGroupPerRowAndElementwiseKernelsOnePerElement() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix z = b.allocate(9, 300, Precision.FLOAT32);
            b.activate(Activation.SOFTMAX, z, z);
            b.activate(Activation.RELU, z, z);
            b.columnSums(z, b.allocate(1, 300, Precision.FLOAT32));
            assertEquals(new Geometry.Rows(9), b.calls.get(0).geometry());
            assertEquals(List.of(z, z, 300), values(b.calls.get(0)));
            Geometry e = b.calls.get(1).geometry();
            assertEquals(new Geometry.Elementwise(2700), e);
            assertEquals(11, e.groupsX());
            assertEquals(Geometry.ELEM_LANES, e.lanesX());
            Geometry c = b.calls.get(2).geometry();
            assertEquals(19, c.groupsX());
            assertEquals(2, c.dimensions());
        }
    }

    @Test
    void aCallThatDoesNotFitItsKernelFailsBeforeTheLaunch() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix p = b.allocate(2, 2, Precision.FLOAT32);
            Matrix d = b.allocate(2, 2, Precision.FLOAT64);
            IllegalStateException kind = assertThrows(IllegalStateException.class,
                    () -> new KernelLaunch(b, Kernel.SGD_UPDATE, Precision.FLOAT32).buffer(p).real(1));
            assertTrue(kind.getMessage().contains("argument 1 is REAL"), kind.getMessage());
            assertTrue(kind.getMessage().contains("buffer p, buffer g, real lr"), kind.getMessage());
            IllegalStateException count = assertThrows(IllegalStateException.class,
                    () -> new KernelLaunch(b, Kernel.FILL, Precision.FLOAT32).buffer(p).real(1).elementwise(4));
            assertTrue(count.getMessage().contains("takes 3 arguments"), count.getMessage());
            IllegalArgumentException precision = assertThrows(IllegalArgumentException.class,
                    () -> new KernelLaunch(b, Kernel.FILL, Precision.FLOAT32).buffer(d));
            assertTrue(precision.getMessage().contains("is not FLOAT32"), precision.getMessage());
            assertEquals(0, b.calls.size());
        }
    }

    @Test
    void aGemmCallCanBeSplitIntoTileRows() {
        try (RecordingKernelBackend b = new RecordingKernelBackend()) {
            Matrix a = b.allocate(200, 4, Precision.FLOAT32);
            Matrix w = b.allocate(4, 4, Precision.FLOAT32);
            Matrix c = b.allocate(200, 4, Precision.FLOAT32);
            b.gemm(false, false, 1, a, w, 0, c);
            KernelCall call = b.calls.get(0);
            assertEquals(4, call.geometry().groupsY());
            assertEquals(3, values(call.withFirstTileRow(3)).get(12));
            assertEquals(call.geometry(), call.withFirstTileRow(3).geometry());
            assertThrows(IllegalArgumentException.class, () -> call.withFirstTileRow(4));
            b.fill(c, 0);
            assertThrows(IllegalArgumentException.class, () -> b.calls.get(1).withFirstTileRow(0));
        }
    }
}
