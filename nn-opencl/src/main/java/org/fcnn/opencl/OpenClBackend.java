// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.fcnn.spi.device.Geometry.LOSS_GROUPS;
import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_SUCCESS;
import static org.jocl.CL.CL_TRUE;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.fcnn.api.BackendException;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.fcnn.spi.device.Geometry;
import org.fcnn.spi.device.KernelArg;
import org.fcnn.spi.device.KernelBackend;
import org.fcnn.spi.device.KernelCall;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The {@code opencl} backend: matrices are OpenCL buffers that stay on the device, and every kernel of
 * the SPI runs there, built from {@code nn_kernels.body} (the same body the CUDA backend compiles to PTX).
 * {@link KernelBackend} composes the kernel calls; this class holds the memory and launches the calls.
 *
 * <p>Each backend has its own command queue (in order, so kernels see each other's results) and its own
 * kernel objects (they hold arguments, so they are not shared); the context and the built programs are
 * shared with other backends on the same device through {@link ClContext}. Reads are blocking, so a
 * read or a loss sees all preceding work completed. Every size is checked in Java (here, and for kernels in
 * {@link KernelBackend}) before it reaches JOCL, which does not check and crashes the JVM on a wrong size.
 */
final class OpenClBackend extends KernelBackend {
    private final ClContext ctx;
    private final ClDevice dev;
    private cl_command_queue queue;
    private final List<Map<String, ClKernel>> kernels = new ArrayList<>();
    private final Set<OpenClMatrix> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final cl_mem[] partials = new cl_mem[Precision.values().length];

    OpenClBackend(ClContext ctx) {
        this.ctx = ctx;
        this.dev = ctx.device;
        for (int i = 0; i < Precision.values().length; i++) {
            kernels.add(new HashMap<>());
        }
        int[] err = new int[1];
        queue = CL.clCreateCommandQueue(ctx.context, dev.device(), 0, err);
        if (err[0] != CL_SUCCESS) {
            ctx.release();
            ClChecks.check(err[0], "clCreateCommandQueue on " + dev.name());
        }
    }

    @Override
    public String name() {
        return OpenClBackendProvider.NAME;
    }

    @Override
    public String device() {
        return dev.describe();
    }

    @Override
    public boolean supports(Precision precision) {
        return precision == Precision.FLOAT32 || dev.fp64();
    }

    /** Buffers this backend holds now (matrices not yet freed). */
    int liveBuffers() {
        return live.size();
    }

    // ------------------------------------------------------------------ memory

    @Override
    protected Matrix doAllocate(int rows, int cols, Precision precision) {
        long bytes = (long) rows * cols * precision.bytes();
        if (bytes > dev.maxAllocBytes()) {
            throw new BackendException("opencl: cannot allocate [" + rows + " x " + cols + "] " + precision + " ("
                    + bytes + " bytes): larger than the device's largest buffer (" + dev.maxAllocBytes()
                    + " bytes) on " + dev.name());
        }
        int[] err = new int[1];
        cl_mem mem = CL.clCreateBuffer(ctx.context, CL_MEM_READ_WRITE, bytes, null, err);
        ClChecks.check(err[0], "clCreateBuffer of [" + rows + " x " + cols + "] " + precision + " (" + bytes
                + " bytes) on " + dev.name());
        OpenClMatrix m = new OpenClMatrix(this, rows, cols, precision, mem);
        live.add(m);
        try {
            doFill(m, 0);
        } catch (RuntimeException e) {
            freeBuffer(m);
            throw e;
        }
        return m;
    }

    /** Releases the buffer of {@code m} (idempotent); called by {@link OpenClMatrix#free()} and on close. */
    void freeBuffer(OpenClMatrix m) {
        if (m.mem != null) {
            CL.clReleaseMemObject(m.mem);
            m.mem = null;
            live.remove(m);
        }
    }

    private static OpenClMatrix cl(Matrix m) {
        OpenClMatrix c = (OpenClMatrix) m;
        if (c.mem == null) {
            throw new IllegalStateException("matrix " + m.shape() + " has no buffer (freed)");
        }
        return c;
    }

    @Override
    protected void upload(Matrix dst, double[] src, int offset) {
        writeBuffer(cl(dst), Pointer.to(src).withByteOffset((long) offset * Sizeof.cl_double));
    }

    @Override
    protected void upload(Matrix dst, float[] src, int offset) {
        writeBuffer(cl(dst), Pointer.to(src).withByteOffset((long) offset * Sizeof.cl_float));
    }

    /** Writes exactly {@code m.bytes()} bytes from {@code host}, whose size the caller has checked. */
    private void writeBuffer(OpenClMatrix m, Pointer host) {
        int rc = CL.clEnqueueWriteBuffer(queue, m.mem, CL_TRUE, 0, m.bytes(), host, 0, null, null);
        ClChecks.check(rc, "clEnqueueWriteBuffer to " + m.shape() + " on " + dev.name());
    }

    @Override
    protected void download(Matrix src, double[] dst, int offset) {
        readBuffer(cl(src), Pointer.to(dst).withByteOffset((long) offset * Sizeof.cl_double));
    }

    @Override
    protected void download(Matrix src, float[] dst, int offset) {
        readBuffer(cl(src), Pointer.to(dst).withByteOffset((long) offset * Sizeof.cl_float));
    }

    private void readBuffer(OpenClMatrix m, Pointer host) {
        int rc = CL.clEnqueueReadBuffer(queue, m.mem, CL_TRUE, 0, m.bytes(), host, 0, null, null);
        ClChecks.check(rc, "clEnqueueReadBuffer from " + m.shape() + " on " + dev.name()
                + " (or an earlier kernel failed)");
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        OpenClMatrix s = cl(src);
        OpenClMatrix d = cl(dst);
        if (s == d) {
            return;
        }
        if (s.bytes() != d.bytes()) {
            throw new IllegalArgumentException("copy: sizes differ: " + s.shape() + " vs " + d.shape());
        }
        int rc = CL.clEnqueueCopyBuffer(queue, s.mem, d.mem, 0, 0, s.bytes(), 0, null, null);
        ClChecks.check(rc, "clEnqueueCopyBuffer " + s.shape() + " -> " + d.shape() + " on " + dev.name());
    }

    // ------------------------------------------------------------------ kernels (composed by KernelBackend)

    @Override
    protected double[] readLossPartials(Matrix output, int count) {
        Precision p = output.precision();
        double[] sums = new double[count];
        int rc;
        if (p == Precision.FLOAT64) {
            rc = CL.clEnqueueReadBuffer(queue, partials(p), CL_TRUE, 0, (long) count * Sizeof.cl_double,
                    Pointer.to(sums), 0, null, null);
        } else {
            float[] h = new float[count];
            rc = CL.clEnqueueReadBuffer(queue, partials(p), CL_TRUE, 0, (long) count * Sizeof.cl_float,
                    Pointer.to(h), 0, null, null);
            for (int i = 0; i < count; i++) {
                sums[i] = h[i];
            }
        }
        ClChecks.check(rc, "reading the loss partial sums of " + output.shape() + " on " + dev.name());
        return sums;
    }

    /** The buffer of {@link Geometry#LOSS_GROUPS} partial sums for {@code p}, made on first use. */
    private cl_mem partials(Precision p) {
        int i = p.ordinal();
        if (partials[i] == null) {
            int[] err = new int[1];
            partials[i] = CL.clCreateBuffer(ctx.context, CL_MEM_READ_WRITE, (long) LOSS_GROUPS * p.bytes(), null, err);
            ClChecks.check(err[0], "clCreateBuffer for the loss partial sums on " + dev.name());
        }
        return partials[i];
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    protected void doClose() {
        if (queue != null) {
            CL.clFinish(queue);
        }
        for (OpenClMatrix m : new ArrayList<>(live)) {
            freeBuffer(m);
        }
        for (int i = 0; i < partials.length; i++) {
            if (partials[i] != null) {
                CL.clReleaseMemObject(partials[i]);
                partials[i] = null;
            }
        }
        for (Map<String, ClKernel> map : kernels) {
            map.values().forEach(k -> CL.clReleaseKernel(k.kernel()));
            map.clear();
        }
        if (queue != null) {
            CL.clReleaseCommandQueue(queue);
            queue = null;
        }
        ctx.release();
    }

    // ------------------------------------------------------------------ launching

    /** A kernel object and the largest work-group the device allows for it. */
    private record ClKernel(cl_kernel kernel, long maxGroup) {
    }

    /** The kernel object {@code name} for {@code precision}, created (and the program built) on first use. */
    private ClKernel kernel(String name, Precision precision) {
        Map<String, ClKernel> map = kernels.get(precision.ordinal());
        ClKernel k = map.get(name);
        if (k == null) {
            int[] err = new int[1];
            cl_kernel kernel = CL.clCreateKernel(ctx.program(precision), name, err);
            ClChecks.check(err[0], "clCreateKernel " + name + " (" + precision + ") on " + dev.name());
            long[] size = new long[1];
            int rc = CL.clGetKernelWorkGroupInfo(kernel, dev.device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                    Pointer.to(size), null);
            if (rc != CL_SUCCESS) {
                CL.clReleaseKernel(kernel);
                ClChecks.check(rc, "clGetKernelWorkGroupInfo " + name + " on " + dev.name());
            }
            k = new ClKernel(kernel, size[0]);
            map.put(name, k);
        }
        return k;
    }

    /**
     * Sets the call's arguments in order and enqueues it as an NDRange of work items: global size = groups x
     * lanes per dimension, local size = lanes; element-wise calls use fewer lanes per group where the device
     * allows fewer than {@link Geometry#ELEM_LANES} for the kernel (their kernels do not depend on the group size).
     */
    @Override
    protected void launch(KernelCall call) {
        Pointer[] values = new Pointer[call.args().size()];
        long[] sizes = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            KernelArg arg = call.args().get(i);
            if (arg instanceof KernelArg.Buffer b) {
                values[i] = Pointer.to(cl(b.matrix()).mem);
                sizes[i] = Sizeof.cl_mem;
            } else if (arg instanceof KernelArg.LossPartials) {
                values[i] = Pointer.to(partials(call.precision()));
                sizes[i] = Sizeof.cl_mem;
            } else if (arg instanceof KernelArg.Int v) {
                values[i] = Pointer.to(new int[] {v.value()});
                sizes[i] = Sizeof.cl_int;
            } else if (arg instanceof KernelArg.Real v) {
                boolean dbl = call.precision() == Precision.FLOAT64;
                values[i] = dbl ? Pointer.to(new double[] {v.value()}) : Pointer.to(new float[] {(float) v.value()});
                sizes[i] = dbl ? Sizeof.cl_double : Sizeof.cl_float;
            }
        }
        ClKernel k = kernel(call.kernel().entry(), call.precision());
        for (int i = 0; i < values.length; i++) {
            int rc = CL.clSetKernelArg(k.kernel(), i, sizes[i], values[i]);
            if (rc != CL_SUCCESS) {
                throw failure(call, "clSetKernelArg " + i, rc);
            }
        }
        Geometry g = call.geometry();
        long[] local;
        long[] global;
        if (g instanceof Geometry.Elementwise e) {
            long lanes = Math.min(g.lanesX(), k.maxGroup());
            local = new long[] {lanes};
            global = new long[] {(e.n() + lanes - 1) / lanes * lanes};
        } else if (g.dimensions() == 1) {
            local = new long[] {g.lanesX()};
            global = new long[] {(long) g.groupsX() * g.lanesX()};
        } else {
            local = new long[] {g.lanesX(), g.lanesY()};
            global = new long[] {(long) g.groupsX() * g.lanesX(), (long) g.groupsY() * g.lanesY()};
        }
        long items = 1;
        for (long l : local) {
            items *= l;
        }
        if (items > k.maxGroup()) {
            throw new BackendException("opencl: kernel " + call.kernel().entry() + " needs work-groups of " + items
                    + " items, but " + dev.name() + " allows " + k.maxGroup() + " for it");
        }
        int rc = CL.clEnqueueNDRangeKernel(queue, k.kernel(), global.length, null, global, local, 0, null, null);
        if (rc != CL_SUCCESS) {
            throw failure(call, "clEnqueueNDRangeKernel", rc);
        }
    }

    private BackendException failure(KernelCall call, String what, int rc) {
        return new BackendException("opencl: " + call.describe() + ": " + what + " failed on " + dev.name() + ": "
                + CL.stringFor_errorCode(rc));
    }
}
