package org.fcnn.opencl;

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
import org.fcnn.api.Activation;
import org.fcnn.api.BackendException;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * The {@code opencl} backend: matrices are OpenCL buffers that stay on the device, and every kernel of
 * the SPI runs there, built from {@code nn_kernels.body} (the same body the CUDA backend compiles to PTX).
 *
 * <p>Each backend has its own command queue (in order, so kernels see each other's results) and its own
 * kernel objects (they hold arguments, so they are not shared); the context and the built programs are
 * shared with other backends on the same device through {@link ClContext}. Reads are blocking, so a
 * read or a loss sees all preceding work completed. Every size is checked here again before it reaches
 * JOCL, which does not check and crashes the JVM on a wrong size.
 */
final class OpenClBackend extends Backend {
    // Work-group geometry; must match the #defines in nn_kernels.body.
    static final int ELEM_LANES = 256;
    static final int ROW_LANES = 64;
    static final int COL_LANES = 16;
    static final int GEMM_TS = 64;
    static final int GEMM_THREADS = 16;
    /** Most groups (and partial sums) of one loss reduction. */
    static final int LOSS_GROUPS = 256;

    private final ClContext ctx;
    private final ClDevice dev;
    private cl_command_queue queue;
    private final List<Map<String, Kernel>> kernels = new ArrayList<>();
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
            launch("fill", precision, m).mem(m).real(0).i(m.size()).elementwise(m.size());
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

    private static void checkArray(int length, int offset, Matrix m, String op) {
        if (offset < 0 || (long) offset + m.size() > length) {
            throw new IllegalArgumentException(op + " " + m.shape() + ": array of length " + length
                    + " too short from offset " + offset);
        }
    }

    @Override
    protected void doWrite(Matrix dst, double[] src, int offset) {
        OpenClMatrix m = cl(dst);
        checkArray(src.length, offset, m, "write");
        if (m.precision() == Precision.FLOAT64) {
            writeBuffer(m, Pointer.to(src).withByteOffset((long) offset * Sizeof.cl_double));
        } else {
            float[] f = new float[m.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) src[offset + i];
            }
            writeBuffer(m, Pointer.to(f));
        }
    }

    @Override
    protected void doWrite(Matrix dst, float[] src, int offset) {
        OpenClMatrix m = cl(dst);
        checkArray(src.length, offset, m, "write");
        if (m.precision() == Precision.FLOAT32) {
            writeBuffer(m, Pointer.to(src).withByteOffset((long) offset * Sizeof.cl_float));
        } else {
            double[] d = new double[m.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = src[offset + i];
            }
            writeBuffer(m, Pointer.to(d));
        }
    }

    /** Writes exactly {@code m.bytes()} bytes from {@code host}, whose size the caller has checked. */
    private void writeBuffer(OpenClMatrix m, Pointer host) {
        int rc = CL.clEnqueueWriteBuffer(queue, m.mem, CL_TRUE, 0, m.bytes(), host, 0, null, null);
        ClChecks.check(rc, "clEnqueueWriteBuffer to " + m.shape() + " on " + dev.name());
    }

    @Override
    protected void doRead(Matrix src, double[] dst, int offset) {
        OpenClMatrix m = cl(src);
        checkArray(dst.length, offset, m, "read");
        if (m.precision() == Precision.FLOAT64) {
            readBuffer(m, Pointer.to(dst).withByteOffset((long) offset * Sizeof.cl_double));
        } else {
            float[] f = new float[m.size()];
            readBuffer(m, Pointer.to(f));
            for (int i = 0; i < f.length; i++) {
                dst[offset + i] = f[i];
            }
        }
    }

    @Override
    protected void doRead(Matrix src, float[] dst, int offset) {
        OpenClMatrix m = cl(src);
        checkArray(dst.length, offset, m, "read");
        if (m.precision() == Precision.FLOAT32) {
            readBuffer(m, Pointer.to(dst).withByteOffset((long) offset * Sizeof.cl_float));
        } else {
            double[] d = new double[m.size()];
            readBuffer(m, Pointer.to(d));
            for (int i = 0; i < d.length; i++) {
                dst[offset + i] = (float) d[i];
            }
        }
    }

    private void readBuffer(OpenClMatrix m, Pointer host) {
        int rc = CL.clEnqueueReadBuffer(queue, m.mem, CL_TRUE, 0, m.bytes(), host, 0, null, null);
        ClChecks.check(rc, "clEnqueueReadBuffer from " + m.shape() + " on " + dev.name()
                + " (or an earlier kernel failed)");
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        copyBuffer(cl(src), cl(dst));
    }

    private void copyBuffer(OpenClMatrix s, OpenClMatrix d) {
        if (s == d) {
            return;
        }
        if (s.bytes() != d.bytes()) {
            throw new IllegalArgumentException("copy: sizes differ: " + s.shape() + " vs " + d.shape());
        }
        int rc = CL.clEnqueueCopyBuffer(queue, s.mem, d.mem, 0, 0, s.bytes(), 0, null, null);
        ClChecks.check(rc, "clEnqueueCopyBuffer " + s.shape() + " -> " + d.shape() + " on " + dev.name());
    }

    @Override
    protected void doFill(Matrix m, double value) {
        OpenClMatrix c = cl(m);
        launch("fill", c.precision(), c).mem(c).real(value).i(c.size()).elementwise(c.size());
    }

    // ------------------------------------------------------------------ kernels

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Matrix a, Matrix b,
                          double beta, Matrix c) {
        OpenClMatrix ca = cl(a);
        OpenClMatrix cb = cl(b);
        OpenClMatrix cc = cl(c);
        // The kernel reads op(A) [m x k] and op(B) [k x n] through lda/ldb and writes C [m x n].
        need((long) m * k <= ca.size() && (long) k * n <= cb.size() && (long) m * n == cc.size()
                && ca.cols() == (transA ? m : k) && cb.cols() == (transB ? k : n), "gemm", ca, cb, cc);
        long groupsN = (n + GEMM_TS - 1) / GEMM_TS;
        long groupsM = (m + GEMM_TS - 1) / GEMM_TS;
        launch("gemm", cc.precision(), ca, cb, cc).mem(ca).mem(cb).mem(cc).i(m).i(n).i(k).i(a.cols()).i(b.cols())
                .i(transA ? 1 : 0).i(transB ? 1 : 0).real(alpha).real(beta).i(0)
                .run(new long[] {groupsN * GEMM_THREADS, groupsM * GEMM_THREADS},
                        new long[] {GEMM_THREADS, GEMM_THREADS});
    }

    @Override
    protected void doAddRowVector(Matrix z, Matrix bias) {
        OpenClMatrix cz = cl(z);
        OpenClMatrix cb = cl(bias);
        need(cb.size() == cz.cols(), "add_row_vector", cz, cb);
        launch("add_row_vector", cz.precision(), cz, cb).mem(cz).mem(cb).i(cz.size()).i(cz.cols())
                .elementwise(cz.size());
    }

    @Override
    protected void doColumnSums(Matrix a, Matrix out) {
        OpenClMatrix ca = cl(a);
        OpenClMatrix co = cl(out);
        need(co.size() == ca.cols(), "column_sums", ca, co);
        long groups = (ca.cols() + COL_LANES - 1) / COL_LANES;
        launch("column_sums", ca.precision(), ca, co).mem(ca).mem(co).i(ca.rows()).i(ca.cols())
                .run(new long[] {groups * COL_LANES, COL_LANES}, new long[] {COL_LANES, COL_LANES});
    }

    @Override
    protected void doActivate(Activation f, Matrix z, Matrix a) {
        OpenClMatrix cz = cl(z);
        OpenClMatrix ca = cl(a);
        need(cz.size() == ca.size(), "activate", cz, ca);
        switch (f) {
            case SIGMOID -> elementwise("sigmoid", cz, ca);
            case TANH -> elementwise("tanh_act", cz, ca);
            case RELU -> elementwise("relu", cz, ca);
            case IDENTITY -> copyBuffer(cz, ca);
            case SOFTMAX -> launch("softmax", cz.precision(), cz, ca).mem(cz).mem(ca).i(cz.cols())
                    .run(new long[] {(long) cz.rows() * ROW_LANES}, new long[] {ROW_LANES});
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    private void elementwise(String kernel, OpenClMatrix in, OpenClMatrix out) {
        launch(kernel, in.precision(), in, out).mem(in).mem(out).i(in.size()).elementwise(in.size());
    }

    @Override
    protected void doActivationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ) {
        OpenClMatrix ca = cl(a);
        OpenClMatrix cdA = cl(dA);
        OpenClMatrix cdZ = cl(dZ);
        need(ca.size() == cdA.size() && ca.size() == cdZ.size(), "activation gradient", ca, cdA, cdZ);
        switch (f) {
            case SIGMOID -> gradient("sigmoid_gradient", ca, cdA, cdZ);
            case TANH -> gradient("tanh_gradient", ca, cdA, cdZ);
            case RELU -> gradient("relu_gradient", ca, cdA, cdZ);
            case IDENTITY -> copyBuffer(cdA, cdZ);
            case SOFTMAX -> launch("softmax_gradient", ca.precision(), ca, cdA, cdZ).mem(ca).mem(cdA).mem(cdZ)
                    .i(ca.cols()).run(new long[] {(long) ca.rows() * ROW_LANES}, new long[] {ROW_LANES});
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    private void gradient(String kernel, OpenClMatrix a, OpenClMatrix dA, OpenClMatrix dZ) {
        launch(kernel, a.precision(), a, dA, dZ).mem(a).mem(dA).mem(dZ).i(a.size()).elementwise(a.size());
    }

    @Override
    protected double doLoss(Loss loss, Matrix output, Matrix target) {
        OpenClMatrix o = cl(output);
        OpenClMatrix t = cl(target);
        need(o.size() == t.size(), "loss_partials", o, t);
        Precision p = o.precision();
        int n = o.size();
        int groups = (int) Math.min(LOSS_GROUPS, (n + (long) ROW_LANES - 1) / ROW_LANES);
        cl_mem partial = partials(p);
        launch("loss_partials", p, o, t).mem(o).mem(t).mem(partial).i(loss == Loss.SQUARED_ERROR ? 0 : 1).i(n)
                .i(groups * ROW_LANES).run(new long[] {(long) groups * ROW_LANES}, new long[] {ROW_LANES});
        double sum = 0;
        int rc;
        if (p == Precision.FLOAT64) {
            double[] h = new double[groups];
            rc = CL.clEnqueueReadBuffer(queue, partial, CL_TRUE, 0, (long) groups * Sizeof.cl_double, Pointer.to(h),
                    0, null, null);
            for (double v : h) {
                sum += v;
            }
        } else {
            float[] h = new float[groups];
            rc = CL.clEnqueueReadBuffer(queue, partial, CL_TRUE, 0, (long) groups * Sizeof.cl_float, Pointer.to(h),
                    0, null, null);
            for (float v : h) {
                sum += v;
            }
        }
        ClChecks.check(rc, "reading the loss partial sums of " + o.shape() + " on " + dev.name());
        return loss == Loss.SQUARED_ERROR ? 0.5 * sum / o.rows() : sum / o.rows();
    }

    /** The buffer of {@link #LOSS_GROUPS} partial sums for {@code p}, made on first use. */
    private cl_mem partials(Precision p) {
        int i = p.ordinal();
        if (partials[i] == null) {
            int[] err = new int[1];
            partials[i] = CL.clCreateBuffer(ctx.context, CL_MEM_READ_WRITE, (long) LOSS_GROUPS * p.bytes(), null, err);
            ClChecks.check(err[0], "clCreateBuffer for the loss partial sums on " + dev.name());
        }
        return partials[i];
    }

    @Override
    protected void doLossGradient(Loss loss, Matrix output, Matrix target, Matrix grad) {
        OpenClMatrix o = cl(output);
        OpenClMatrix t = cl(target);
        OpenClMatrix g = cl(grad);
        need(o.size() == t.size() && o.size() == g.size(), "difference", o, t, g);
        launch("difference", o.precision(), o, t, g).mem(o).mem(t).mem(g).real(1.0 / o.rows()).i(o.size())
                .elementwise(o.size());
    }

    @Override
    protected void doDropout(Matrix a, Matrix mask, Matrix out, int threshold, double scale, int seed) {
        OpenClMatrix ca = cl(a);
        OpenClMatrix cm = cl(mask);
        OpenClMatrix co = cl(out);
        need(ca.size() == cm.size() && ca.size() == co.size(), "dropout", ca, cm, co);
        launch("dropout", ca.precision(), ca, cm, co).mem(ca).mem(cm).mem(co).i(threshold).real(scale).i(seed)
                .i(ca.size()).elementwise(ca.size());
    }

    @Override
    protected void doMultiply(Matrix a, Matrix b, Matrix out) {
        OpenClMatrix ca = cl(a);
        OpenClMatrix cb = cl(b);
        OpenClMatrix co = cl(out);
        need(ca.size() == cb.size() && ca.size() == co.size(), "multiply", ca, cb, co);
        launch("multiply", ca.precision(), ca, cb, co).mem(ca).mem(cb).mem(co).i(ca.size()).elementwise(ca.size());
    }

    @Override
    protected void doSgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay) {
        OpenClMatrix p = cl(param);
        OpenClMatrix g = cl(grad);
        need(p.size() == g.size(), "sgd_update", p, g);
        launch("sgd_update", p.precision(), p, g).mem(p).mem(g).real(lr).real(weightDecay).i(p.size())
                .elementwise(p.size());
    }

    @Override
    protected void doMomentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr, double momentum,
                                    double weightDecay) {
        OpenClMatrix p = cl(param);
        OpenClMatrix g = cl(grad);
        OpenClMatrix v = cl(velocity);
        need(p.size() == g.size() && p.size() == v.size(), "momentum_update", p, g, v);
        launch("momentum_update", p.precision(), p, g, v).mem(p).mem(g).mem(v).real(lr).real(momentum)
                .real(weightDecay).i(p.size()).elementwise(p.size());
    }

    @Override
    protected void doAdamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double stepSize, double beta1,
                                double beta2, double eps, double correction2, double weightDecay) {
        OpenClMatrix p = cl(param);
        OpenClMatrix g = cl(grad);
        OpenClMatrix cm = cl(m);
        OpenClMatrix cv = cl(v);
        need(p.size() == g.size() && p.size() == cm.size() && p.size() == cv.size(), "adam_update", p, g, cm, cv);
        launch("adam_update", p.precision(), p, g, cm, cv).mem(p).mem(g).mem(cm).mem(cv).real(stepSize).real(beta1)
                .real(beta2).real(eps).real(correction2).real(weightDecay).i(p.size()).elementwise(p.size());
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
        for (Map<String, Kernel> map : kernels) {
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

    private static void need(boolean ok, String kernel, OpenClMatrix... ms) {
        if (!ok) {
            throw new IllegalArgumentException("opencl: kernel " + kernel + ": sizes do not fit: " + shapes(ms));
        }
    }

    private static String shapes(OpenClMatrix... ms) {
        StringBuilder sb = new StringBuilder();
        for (OpenClMatrix m : ms) {
            sb.append(sb.length() == 0 ? "" : ", ").append(m.shape());
        }
        return sb.toString();
    }

    /** A kernel object and the largest work-group the device allows for it. */
    private record Kernel(cl_kernel kernel, long maxGroup) {
    }

    /** The kernel object {@code name} for {@code precision}, created (and the program built) on first use. */
    private Kernel kernel(String name, Precision precision) {
        Map<String, Kernel> map = kernels.get(precision.ordinal());
        Kernel k = map.get(name);
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
            k = new Kernel(kernel, size[0]);
            map.put(name, k);
        }
        return k;
    }

    /** Starts a launch of {@code kernel}; {@code operands} only name the shapes in error messages. */
    private Launch launch(String kernel, Precision precision, OpenClMatrix... operands) {
        return new Launch(kernel, precision, kernel(kernel, precision), operands);
    }

    /** Sets a kernel's arguments in order and enqueues it, turning every error into a BackendException. */
    private final class Launch {
        private final String name;
        private final Precision precision;
        private final cl_kernel kernel;
        private final OpenClMatrix[] operands;
        private int index;

        private final long maxGroup;

        Launch(String name, Precision precision, Kernel kernel, OpenClMatrix[] operands) {
            this.name = name;
            this.precision = precision;
            this.kernel = kernel.kernel();
            this.maxGroup = kernel.maxGroup();
            this.operands = operands;
        }

        Launch mem(OpenClMatrix m) {
            if (m.mem == null || m.precision() != precision) {
                throw new IllegalArgumentException("opencl: kernel " + name + ": operand " + m.shape()
                        + " is freed or not " + precision);
            }
            return mem(m.mem);
        }

        Launch mem(cl_mem mem) {
            return arg(Sizeof.cl_mem, Pointer.to(mem));
        }

        Launch i(int v) {
            return arg(Sizeof.cl_int, Pointer.to(new int[] {v}));
        }

        Launch real(double v) {
            return precision == Precision.FLOAT64 ? arg(Sizeof.cl_double, Pointer.to(new double[] {v}))
                    : arg(Sizeof.cl_float, Pointer.to(new float[] {(float) v}));
        }

        private Launch arg(long size, Pointer value) {
            int rc = CL.clSetKernelArg(kernel, index, size, value);
            if (rc != CL_SUCCESS) {
                throw failure("clSetKernelArg " + index, rc);
            }
            index++;
            return this;
        }

        /** One work item per element, {@link #ELEM_LANES} per group (fewer if the device allows fewer). */
        void elementwise(long n) {
            long local = Math.min(ELEM_LANES, workGroupSize());
            run(new long[] {(n + local - 1) / local * local}, new long[] {local});
        }

        void run(long[] global, long[] local) {
            long items = 1;
            for (long l : local) {
                items *= l;
            }
            if (items > workGroupSize()) {
                throw new BackendException("opencl: kernel " + name + " needs work-groups of " + items
                        + " items, but " + dev.name() + " allows " + workGroupSize() + " for it");
            }
            int rc = CL.clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null);
            if (rc != CL_SUCCESS) {
                throw failure("clEnqueueNDRangeKernel", rc);
            }
        }

        private long workGroupSize() {
            return maxGroup;
        }

        private BackendException failure(String call, int rc) {
            return new BackendException("opencl: kernel " + name + " (" + precision + ") on " + shapes(operands)
                    + ": " + call + " failed on " + dev.name() + ": " + CL.stringFor_errorCode(rc));
        }
    }
}
