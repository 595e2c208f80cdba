// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.CL_SUCCESS;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.fcnn.api.BackendException;
import org.fcnn.api.Precision;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * An OpenCL context on one device together with the kernel programs built for it, shared by every
 * {@link OpenClBackend} on that device and reference-counted: the first backend creates it, the last one
 * to close releases the programs and the context.
 *
 * <p>Sharing matters because building the program is the slow part of opening a backend (about 2 s the
 * first time on PoCL, which then caches the binary). Programs are built lazily, once per precision:
 * float when first needed, double only on devices with {@code cl_khr_fp64}.
 */
final class ClContext {
    /** Resource folder of the kernel sources, in this jar. */
    static final String KERNEL_DIR = "/org/fcnn/opencl/kernels/";
    static final String BODY = "nn_kernels.body";
    static final String PRELUDE = "prelude_opencl.h";

    private static final Map<String, ClContext> SHARED = new HashMap<>();

    final ClDevice device;
    final cl_context context;
    private final cl_program[] programs = new cl_program[Precision.values().length];
    private int references;
    private boolean released;

    private ClContext(ClDevice device) {
        this.device = device;
        int[] err = new int[1];
        this.context = CL.clCreateContext(null, 1, new cl_device_id[] {device.device()}, null, null, err);
        ClChecks.check(err[0], "clCreateContext on " + device.name());
    }

    /** The shared context for {@code device}, created if needed; the caller {@link #release()}s it once. */
    static synchronized ClContext acquire(ClDevice device) {
        ClContext c = SHARED.get(device.id());
        if (c == null) {
            c = new ClContext(device);
            SHARED.put(device.id(), c);
        }
        c.references++;
        return c;
    }

    /** Drops one reference; the last one releases the programs and the context. */
    void release() {
        synchronized (ClContext.class) {
            if (released || --references > 0) {
                return;
            }
            released = true;
            SHARED.remove(device.id());
            for (int i = 0; i < programs.length; i++) {
                if (programs[i] != null) {
                    CL.clReleaseProgram(programs[i]);
                    programs[i] = null;
                }
            }
            CL.clReleaseContext(context);
        }
    }

    /** Number of contexts alive in this JVM (for tests: zero once every backend is closed). */
    static synchronized int liveContexts() {
        return SHARED.size();
    }

    /** The program for {@code precision}, built on first use. */
    cl_program program(Precision precision) {
        synchronized (ClContext.class) {
            if (released) {
                throw new IllegalStateException("OpenCL context released");
            }
            int i = precision.ordinal();
            if (programs[i] == null) {
                programs[i] = build(source(), precision == Precision.FLOAT64 ? "-D REAL=double -D USE_FP64"
                        : "-D REAL=float", "the " + precision + " kernels (" + BODY + ")");
            }
            return programs[i];
        }
    }

    /**
     * Builds {@code source} with {@code defines}; a failure throws a {@link BackendException} that names
     * {@code what}, the options and the device, and carries the build log.
     */
    cl_program build(String source, String defines, String what) {
        int[] err = new int[1];
        cl_program program = CL.clCreateProgramWithSource(context, 1, new String[] {source},
                new long[] {source.length()}, err);
        ClChecks.check(err[0], "clCreateProgramWithSource");
        String options = defines + " -cl-std=CL1.2";
        int rc = CL.clBuildProgram(program, 1, new cl_device_id[] {device.device()}, options, null, null);
        if (rc != CL_SUCCESS) {
            String log = buildLog(program);
            CL.clReleaseProgram(program);
            throw new BackendException("opencl: building " + what + " with options '"
                    + options + "') failed on " + device.name() + ": " + CL.stringFor_errorCode(rc)
                    + "\nbuild log:\n" + log);
        }
        return program;
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        if (CL.clGetProgramBuildInfo(program, device.device(), CL_PROGRAM_BUILD_LOG, 0, null, size) != CL_SUCCESS
                || size[0] <= 0 || size[0] > (1 << 24)) {
            return "(no build log)";
        }
        byte[] buf = new byte[(int) size[0]];
        if (CL.clGetProgramBuildInfo(program, device.device(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf),
                null) != CL_SUCCESS) {
            return "(no build log)";
        }
        int len = buf.length;
        while (len > 0 && buf[len - 1] == 0) {
            len--;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8).strip();
    }

    /** The OpenCL source: the OpenCL prelude followed by the neutral kernel body, both resources of this jar. */
    static String source() {
        return resource(PRELUDE) + "\n#line 1\n" + resource(BODY);
    }

    /** A kernel source file from this jar's resources. */
    static String resource(String name) {
        try (InputStream in = ClContext.class.getResourceAsStream(KERNEL_DIR + name)) {
            if (in == null) {
                throw new BackendException("opencl: kernel source " + KERNEL_DIR + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendException("opencl: cannot read kernel source " + KERNEL_DIR + name, e);
        }
    }
}
