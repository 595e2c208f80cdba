// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matrix-product and float32 activation kernels this JVM runs, chosen once at run time in the manner of Apache Lucene's
 * {@code VectorizationProvider}: the Vector API kernels ({@link VectorCpuKernels}) when the
 * {@code jdk.incubator.vector} module is in the boot layer (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}) and readable, else the plain-Java kernels. The Vector API
 * classes are only loaded, by name, after that check, so the plain path never touches them. When the
 * fast path is not enabled one log line says how to enable it. The system property
 * {@value #VECTOR_PROPERTY}{@code =false} forces the plain path (for tests and comparisons).
 */
abstract class CpuKernels {
    /** System property: {@code false} forces the plain-Java kernels even when the Vector API is available. */
    static final String VECTOR_PROPERTY = "fcnn.cpu.vector";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final Logger LOG = LoggerFactory.getLogger(CpuKernels.class);

    /** The float32 blocked product. */
    abstract FloatGemm floatGemm();

    /** The float64 blocked product. */
    abstract DoubleGemm doubleGemm();

    /** {@code a = sigmoid(a + bias)} in place over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    abstract void sigmoid(float[] a, int rows, int cols, float[] bias);

    /** As {@link #sigmoid(float[], int, int, float[])} in float64. */
    void sigmoid(double[] a, int rows, int cols, double[] bias) {
        DoubleKernels.biasSigmoid(a, rows, cols, bias);
    }

    /** {@code a = tanh(a + bias)} in place over {@code a [rows x cols]}; {@code bias [cols]} or {@code null}. */
    abstract void tanh(float[] a, int rows, int cols, float[] bias);

    /** As {@link #tanh(float[], int, int, float[])} in float64. */
    void tanh(double[] a, int rows, int cols, double[] bias) {
        DoubleKernels.biasTanh(a, rows, cols, bias);
    }

    /** Which kernels, for {@code device()}: e.g. {@code Vector API 512-bit kernels}. */
    abstract String description();

    /**
     * Why these kernels may box vectors and allocate where they otherwise would not, or {@code null}: vectors
     * forced wider than the hardware's ({@link KernelShape}), which the JIT cannot compile to vector
     * instructions. Such a run is correct, only slow.
     */
    String boxingReason() {
        return null;
    }

    /** The kernels for this JVM, chosen on first use. */
    static CpuKernels get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final CpuKernels INSTANCE = select();
    }

    /** Decides once; also callable directly to pick afresh (e.g. tests that flip the property). */
    static CpuKernels select() {
        if ("false".equalsIgnoreCase(System.getProperty(VECTOR_PROPERTY, "true").trim())) {
            LOG.debug("cpu backend: plain-Java kernels ({}=false)", VECTOR_PROPERTY);
            return new PlainCpuKernels("plain-Java kernels (" + VECTOR_PROPERTY + "=false)");
        }
        Optional<Module> module = ModuleLayer.boot().findModule(VECTOR_MODULE);
        if (module.isEmpty() || !CpuKernels.class.getModule().canRead(module.get())) {
            LOG.info("cpu backend: plain-Java matrix kernels; for kernels several times faster start java with "
                    + "--add-modules {}", VECTOR_MODULE);
            return new PlainCpuKernels("plain-Java kernels (add --add-modules " + VECTOR_MODULE + " for faster ones)");
        }
        try {
            return (CpuKernels) Class.forName(CpuKernels.class.getPackageName() + ".VectorCpuKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.warn("cpu backend: plain-Java matrix kernels; the Vector API kernels could not start: {}",
                    cause.toString());
            return new PlainCpuKernels("plain-Java kernels (Vector API unusable: " + cause.getMessage() + ")");
        }
    }
}
