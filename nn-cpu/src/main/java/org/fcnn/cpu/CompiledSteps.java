// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fcnn.api.Activation;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.DenseStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training steps compiled for a tiny network's sizes: for each combination of batch size, layer sizes,
 * activations and loss, a hidden class is defined from the bytes of {@link FloatCompiledStep} or
 * {@link DoubleCompiledStep} with those numbers as its class data, which the class keeps in
 * {@code static final} fields. The JIT folds them as constants, so the step's loops are unrolled and its
 * branches on activations vanish, as in code written by hand for that network (the tutorial's 2-2-2 step
 * took some 60% of the time of the same loops with the sizes in fields). No bytecode is generated: the
 * template is ordinary compiled Java, only its constants differ per class.
 *
 * <p>At most {@value #MAX_CLASSES} classes are kept (least recently used dropped); a network they do not
 * cover (more than {@value FloatCompiledStep#MAX_LAYERS} layers, or a JVM that refuses hidden classes)
 * runs the generic fused step instead, with the same result. The system property
 * {@value #PROPERTY}{@code =false} turns compiled steps off. Thread-safe.
 */
final class CompiledSteps {
    /** A step bound to one stack's arrays: the same contract as {@link org.fcnn.spi.Backend#sgdStep}. */
    interface Step {
        /** One plain-SGD step; returns the batch's mean loss before the update. */
        double run(double learningRate, double weightDecay);
    }

    /** System property: {@code false} runs tiny networks through the generic fused step. */
    static final String PROPERTY = "fcnn.cpu.compiledSteps";
    static final int MAX_CLASSES = 64;
    private static final Logger LOG = LoggerFactory.getLogger(CompiledSteps.class);
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());

    private static final Map<String, MethodHandle> CONSTRUCTORS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MethodHandle> eldest) {
            return size() > MAX_CLASSES;
        }
    };
    private static volatile boolean failed;

    private CompiledSteps() {
    }

    /** A compiled step bound to {@code s}, or {@code null} when none can be made (then use the generic step). */
    static Step bind(DenseStack s, Loss loss) {
        if (!ENABLED || failed || s.layers() > FloatCompiledStep.MAX_LAYERS) {
            return null;
        }
        int[] data = classData(s, loss);
        boolean isDouble = s.precision() == Precision.FLOAT64;
        String key = (isDouble ? "d" : "f") + Arrays.toString(data);
        try {
            MethodHandle constructor;
            synchronized (CONSTRUCTORS) {
                constructor = CONSTRUCTORS.get(key);
                if (constructor == null) {
                    constructor = define(isDouble ? DoubleCompiledStep.class : FloatCompiledStep.class, data);
                    CONSTRUCTORS.put(key, constructor);
                }
            }
            return (Step) constructor.invoke(s);
        } catch (Throwable e) {
            failed = true;
            LOG.warn("cpu backend: tiny networks run the generic fused step; compiling a step failed: {}", e.toString());
            return null;
        }
    }

    /** {layers, n, crossEntropy, S0..S4, F0..F3}: what the template reads into its constants. */
    static int[] classData(DenseStack s, Loss loss) {
        int[] c = new int[12];
        c[0] = s.layers();
        c[1] = s.batch();
        c[2] = loss == Loss.SOFTMAX_CROSS_ENTROPY ? 1 : 0;
        c[3] = s.weights(0).cols();
        for (int l = 0; l < s.layers(); l++) {
            c[4 + l] = s.weights(l).rows();
            c[8 + l] = code(s.activation(l));
        }
        return c;
    }

    /** The templates' activation codes. */
    static int code(Activation f) {
        switch (f) {
            case SIGMOID: return 0;
            case TANH: return 1;
            case RELU: return 2;
            case IDENTITY: return 3;
            case SOFTMAX: return 4;
            default: throw new IllegalArgumentException("no compiled step for activation " + f);
        }
    }

    private static MethodHandle define(Class<?> template, int[] data) throws IOException, ReflectiveOperationException {
        byte[] bytes;
        try (InputStream in = template.getResourceAsStream(template.getSimpleName() + ".class")) {
            if (in == null) {
                throw new IOException("class file of " + template.getName() + " not found");
            }
            bytes = in.readAllBytes();
        }
        MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, data.clone(), true);
        return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class, DenseStack.class))
                .asType(MethodType.methodType(Step.class, DenseStack.class));
    }
}
