package org.fcnn.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.fcnn.api.Activation;
import org.fcnn.api.BackendException;
import org.fcnn.api.Loss;
import org.fcnn.api.Precision;
import org.fcnn.spi.Backend;
import org.fcnn.spi.Matrix;

/**
 * The {@code cuda} backend: matrices live in device memory and every kernel of the SPI runs on the GPU,
 * from the committed PTX of the kernel body shared with the OpenCL backend (one module per precision,
 * loaded on first use with {@code cuModuleLoadData}).
 *
 * <p>Each backend retains the device's primary context (the driver counts references) and loads its own
 * modules; everything runs on the legacy default stream, so kernels run in order and the synchronous
 * device-to-host copies of {@link #read} and {@link #loss} see all preceding work completed. The context is
 * made current on the calling thread before every operation. Sizes are checked here before every driver
 * call, and every launch's arguments are checked against the kernel's PTX parameter list, because the
 * driver checks neither and a mistake would crash the JVM.
 */
final class CudaBackend extends Backend {
    // Block geometry; must match the #defines in nn_kernels.body.
    static final int ELEM_LANES = 256;
    static final int ROW_LANES = 64;
    static final int COL_LANES = 16;
    static final int GEMM_TS = 64;
    static final int GEMM_THREADS = 16;
    static final int LOSS_GROUPS = 256;
    /** CUDA's limit on gridDim.y. */
    static final int MAX_GRID_Y = 65535;

    private final CudaDevice info;
    private final CUdevice device = new CUdevice();
    private CUcontext context = new CUcontext();
    private final CUmodule[] modules = new CUmodule[Precision.values().length];
    private final List<Map<String, CUfunction>> functions = new ArrayList<>();
    private final List<Map<String, List<PtxModules.Param>>> signatures = new ArrayList<>();
    private final Set<CudaMatrix> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final CUdeviceptr[] partials = new CUdeviceptr[Precision.values().length];

    CudaBackend(CudaDevice info) {
        this.info = info;
        for (int i = 0; i < Precision.values().length; i++) {
            functions.add(new HashMap<>());
            signatures.add(null);
        }
        CudaChecks.check(JCudaDriver.cuDeviceGet(device, info.ordinal()), "cuDeviceGet(" + info.ordinal() + ")");
        CudaChecks.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device),
                "cuDevicePrimaryCtxRetain on " + info.name());
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public String device() {
        return info.describe();
    }

    @Override
    public boolean supports(Precision precision) {
        return true;
    }

    /** Allocations this backend holds now (matrices not yet freed). */
    int liveAllocations() {
        return live.size();
    }

    private void current() {
        CudaChecks.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent on " + info.name());
    }

    // ------------------------------------------------------------------ memory

    @Override
    protected Matrix doAllocate(int rows, int cols, Precision precision) {
        current();
        long bytes = (long) rows * cols * precision.bytes();
        CUdeviceptr ptr = new CUdeviceptr();
        int rc = JCudaDriver.cuMemAlloc(ptr, bytes);
        CudaChecks.check(rc, "cuMemAlloc of [" + rows + " x " + cols + "] " + precision + " (" + bytes + " bytes) on "
                + info.name());
        CudaMatrix m = new CudaMatrix(this, rows, cols, precision, ptr);
        live.add(m);
        rc = JCudaDriver.cuMemsetD8(ptr, (byte) 0, bytes);
        if (rc != CUresult.CUDA_SUCCESS) {
            freeMemory(m);
            CudaChecks.check(rc, "cuMemsetD8 of " + m.shape() + " on " + info.name());
        }
        return m;
    }

    /** Frees the memory of {@code m} (idempotent); called by {@link CudaMatrix#free()} and on close. */
    void freeMemory(CudaMatrix m) {
        if (m.ptr != null) {
            current();
            JCudaDriver.cuMemFree(m.ptr);
            m.ptr = null;
            live.remove(m);
        }
    }

    private static CudaMatrix cu(Matrix m) {
        CudaMatrix c = (CudaMatrix) m;
        if (c.ptr == null) {
            throw new IllegalStateException("matrix " + m.shape() + " has no device memory (freed)");
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
        CudaMatrix m = cu(dst);
        checkArray(src.length, offset, m, "write");
        if (m.precision() == Precision.FLOAT64) {
            toDevice(m, Pointer.to(src).withByteOffset((long) offset * Sizeof.DOUBLE));
        } else {
            float[] f = new float[m.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) src[offset + i];
            }
            toDevice(m, Pointer.to(f));
        }
    }

    @Override
    protected void doWrite(Matrix dst, float[] src, int offset) {
        CudaMatrix m = cu(dst);
        checkArray(src.length, offset, m, "write");
        if (m.precision() == Precision.FLOAT32) {
            toDevice(m, Pointer.to(src).withByteOffset((long) offset * Sizeof.FLOAT));
        } else {
            double[] d = new double[m.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = src[offset + i];
            }
            toDevice(m, Pointer.to(d));
        }
    }

    /** Copies exactly {@code m.bytes()} bytes from {@code host}, whose size the caller has checked. */
    private void toDevice(CudaMatrix m, Pointer host) {
        current();
        CudaChecks.check(JCudaDriver.cuMemcpyHtoD(m.ptr, host, m.bytes()), "cuMemcpyHtoD to " + m.shape() + " on "
                + info.name());
    }

    @Override
    protected void doRead(Matrix src, double[] dst, int offset) {
        CudaMatrix m = cu(src);
        checkArray(dst.length, offset, m, "read");
        if (m.precision() == Precision.FLOAT64) {
            toHost(m, Pointer.to(dst).withByteOffset((long) offset * Sizeof.DOUBLE));
        } else {
            float[] f = new float[m.size()];
            toHost(m, Pointer.to(f));
            for (int i = 0; i < f.length; i++) {
                dst[offset + i] = f[i];
            }
        }
    }

    @Override
    protected void doRead(Matrix src, float[] dst, int offset) {
        CudaMatrix m = cu(src);
        checkArray(dst.length, offset, m, "read");
        if (m.precision() == Precision.FLOAT32) {
            toHost(m, Pointer.to(dst).withByteOffset((long) offset * Sizeof.FLOAT));
        } else {
            double[] d = new double[m.size()];
            toHost(m, Pointer.to(d));
            for (int i = 0; i < d.length; i++) {
                dst[offset + i] = (float) d[i];
            }
        }
    }

    private void toHost(CudaMatrix m, Pointer host) {
        current();
        CudaChecks.check(JCudaDriver.cuMemcpyDtoH(host, m.ptr, m.bytes()), "cuMemcpyDtoH from " + m.shape() + " on "
                + info.name() + " (or an earlier kernel failed)");
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        copyMemory(cu(src), cu(dst));
    }

    private void copyMemory(CudaMatrix s, CudaMatrix d) {
        if (s == d) {
            return;
        }
        if (s.bytes() != d.bytes()) {
            throw new IllegalArgumentException("copy: sizes differ: " + s.shape() + " vs " + d.shape());
        }
        current();
        CudaChecks.check(JCudaDriver.cuMemcpyDtoD(d.ptr, s.ptr, s.bytes()), "cuMemcpyDtoD " + s.shape() + " -> "
                + d.shape() + " on " + info.name());
    }

    @Override
    protected void doFill(Matrix m, double value) {
        CudaMatrix c = cu(m);
        launch("fill", c.precision(), c).ptr(c).real(value).i(c.size()).elementwise(c.size());
    }

    // ------------------------------------------------------------------ kernels

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, double alpha, Matrix a, Matrix b,
                          double beta, Matrix c) {
        CudaMatrix ca = cu(a);
        CudaMatrix cb = cu(b);
        CudaMatrix cc = cu(c);
        need((long) m * k <= ca.size() && (long) k * n <= cb.size() && (long) m * n == cc.size()
                && ca.cols() == (transA ? m : k) && cb.cols() == (transB ? k : n), "gemm", ca, cb, cc);
        int groupsN = (int) (((long) n + GEMM_TS - 1) / GEMM_TS);
        int groupsM = (int) (((long) m + GEMM_TS - 1) / GEMM_TS);
        // gridDim.y is limited to 65535 row blocks per launch; taller C is done in several launches.
        for (int first = 0; first < groupsM; first += MAX_GRID_Y) {
            int blocks = Math.min(MAX_GRID_Y, groupsM - first);
            launch("gemm", cc.precision(), ca, cb, cc).ptr(ca).ptr(cb).ptr(cc).i(m).i(n).i(k).i(a.cols()).i(b.cols())
                    .i(transA ? 1 : 0).i(transB ? 1 : 0).real(alpha).real(beta).i(first)
                    .run(groupsN, blocks, GEMM_THREADS, GEMM_THREADS);
        }
    }

    @Override
    protected void doAddRowVector(Matrix z, Matrix bias) {
        CudaMatrix cz = cu(z);
        CudaMatrix cb = cu(bias);
        need(cb.size() == cz.cols(), "add_row_vector", cz, cb);
        launch("add_row_vector", cz.precision(), cz, cb).ptr(cz).ptr(cb).i(cz.size()).i(cz.cols())
                .elementwise(cz.size());
    }

    @Override
    protected void doColumnSums(Matrix a, Matrix out) {
        CudaMatrix ca = cu(a);
        CudaMatrix co = cu(out);
        need(co.size() == ca.cols(), "column_sums", ca, co);
        int groups = (ca.cols() + COL_LANES - 1) / COL_LANES;
        launch("column_sums", ca.precision(), ca, co).ptr(ca).ptr(co).i(ca.rows()).i(ca.cols())
                .run(groups, 1, COL_LANES, COL_LANES);
    }

    @Override
    protected void doActivate(Activation f, Matrix z, Matrix a) {
        CudaMatrix cz = cu(z);
        CudaMatrix ca = cu(a);
        need(cz.size() == ca.size(), "activate", cz, ca);
        switch (f) {
            case SIGMOID -> elementwise("sigmoid", cz, ca);
            case TANH -> elementwise("tanh_act", cz, ca);
            case RELU -> elementwise("relu", cz, ca);
            case IDENTITY -> copyMemory(cz, ca);
            case SOFTMAX -> launch("softmax", cz.precision(), cz, ca).ptr(cz).ptr(ca).i(cz.cols())
                    .run(cz.rows(), 1, ROW_LANES, 1);
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    private void elementwise(String kernel, CudaMatrix in, CudaMatrix out) {
        launch(kernel, in.precision(), in, out).ptr(in).ptr(out).i(in.size()).elementwise(in.size());
    }

    @Override
    protected void doActivationGradient(Activation f, Matrix a, Matrix dA, Matrix dZ) {
        CudaMatrix ca = cu(a);
        CudaMatrix cdA = cu(dA);
        CudaMatrix cdZ = cu(dZ);
        need(ca.size() == cdA.size() && ca.size() == cdZ.size(), "activation gradient", ca, cdA, cdZ);
        switch (f) {
            case SIGMOID -> gradient("sigmoid_gradient", ca, cdA, cdZ);
            case TANH -> gradient("tanh_gradient", ca, cdA, cdZ);
            case RELU -> gradient("relu_gradient", ca, cdA, cdZ);
            case IDENTITY -> copyMemory(cdA, cdZ);
            case SOFTMAX -> launch("softmax_gradient", ca.precision(), ca, cdA, cdZ).ptr(ca).ptr(cdA).ptr(cdZ)
                    .i(ca.cols()).run(ca.rows(), 1, ROW_LANES, 1);
            default -> throw new IllegalArgumentException("unsupported activation " + f);
        }
    }

    private void gradient(String kernel, CudaMatrix a, CudaMatrix dA, CudaMatrix dZ) {
        launch(kernel, a.precision(), a, dA, dZ).ptr(a).ptr(dA).ptr(dZ).i(a.size()).elementwise(a.size());
    }

    @Override
    protected double doLoss(Loss loss, Matrix output, Matrix target) {
        CudaMatrix o = cu(output);
        CudaMatrix t = cu(target);
        need(o.size() == t.size(), "loss_partials", o, t);
        Precision p = o.precision();
        int n = o.size();
        int groups = (int) Math.min(LOSS_GROUPS, (n + (long) ROW_LANES - 1) / ROW_LANES);
        CUdeviceptr partial = partials(p);
        launch("loss_partials", p, o, t).ptr(o).ptr(t).ptr(partial).i(loss == Loss.SQUARED_ERROR ? 0 : 1).i(n)
                .i(groups * ROW_LANES).run(groups, 1, ROW_LANES, 1);
        double sum = 0;
        int rc;
        current();
        if (p == Precision.FLOAT64) {
            double[] h = new double[groups];
            rc = JCudaDriver.cuMemcpyDtoH(Pointer.to(h), partial, (long) groups * Sizeof.DOUBLE);
            for (double v : h) {
                sum += v;
            }
        } else {
            float[] h = new float[groups];
            rc = JCudaDriver.cuMemcpyDtoH(Pointer.to(h), partial, (long) groups * Sizeof.FLOAT);
            for (float v : h) {
                sum += v;
            }
        }
        CudaChecks.check(rc, "reading the loss partial sums of " + o.shape() + " on " + info.name());
        return loss == Loss.SQUARED_ERROR ? 0.5 * sum / o.rows() : sum / o.rows();
    }

    /** The device buffer of {@link #LOSS_GROUPS} partial sums for {@code p}, made on first use. */
    private CUdeviceptr partials(Precision p) {
        int i = p.ordinal();
        if (partials[i] == null) {
            current();
            CUdeviceptr ptr = new CUdeviceptr();
            CudaChecks.check(JCudaDriver.cuMemAlloc(ptr, (long) LOSS_GROUPS * p.bytes()),
                    "cuMemAlloc for the loss partial sums on " + info.name());
            partials[i] = ptr;
        }
        return partials[i];
    }

    @Override
    protected void doLossGradient(Loss loss, Matrix output, Matrix target, Matrix grad) {
        CudaMatrix o = cu(output);
        CudaMatrix t = cu(target);
        CudaMatrix g = cu(grad);
        need(o.size() == t.size() && o.size() == g.size(), "difference", o, t, g);
        launch("difference", o.precision(), o, t, g).ptr(o).ptr(t).ptr(g).real(1.0 / o.rows()).i(o.size())
                .elementwise(o.size());
    }

    @Override
    protected void doDropout(Matrix a, Matrix mask, Matrix out, int threshold, double scale, int seed) {
        CudaMatrix ca = cu(a);
        CudaMatrix cm = cu(mask);
        CudaMatrix co = cu(out);
        need(ca.size() == cm.size() && ca.size() == co.size(), "dropout", ca, cm, co);
        launch("dropout", ca.precision(), ca, cm, co).ptr(ca).ptr(cm).ptr(co).i(threshold).real(scale).i(seed)
                .i(ca.size()).elementwise(ca.size());
    }

    @Override
    protected void doMultiply(Matrix a, Matrix b, Matrix out) {
        CudaMatrix ca = cu(a);
        CudaMatrix cb = cu(b);
        CudaMatrix co = cu(out);
        need(ca.size() == cb.size() && ca.size() == co.size(), "multiply", ca, cb, co);
        launch("multiply", ca.precision(), ca, cb, co).ptr(ca).ptr(cb).ptr(co).i(ca.size()).elementwise(ca.size());
    }

    @Override
    protected void doSgdUpdate(Matrix param, Matrix grad, double lr, double weightDecay) {
        CudaMatrix p = cu(param);
        CudaMatrix g = cu(grad);
        need(p.size() == g.size(), "sgd_update", p, g);
        launch("sgd_update", p.precision(), p, g).ptr(p).ptr(g).real(lr).real(weightDecay).i(p.size())
                .elementwise(p.size());
    }

    @Override
    protected void doMomentumUpdate(Matrix param, Matrix grad, Matrix velocity, double lr, double momentum,
                                    double weightDecay) {
        CudaMatrix p = cu(param);
        CudaMatrix g = cu(grad);
        CudaMatrix v = cu(velocity);
        need(p.size() == g.size() && p.size() == v.size(), "momentum_update", p, g, v);
        launch("momentum_update", p.precision(), p, g, v).ptr(p).ptr(g).ptr(v).real(lr).real(momentum)
                .real(weightDecay).i(p.size()).elementwise(p.size());
    }

    @Override
    protected void doAdamUpdate(Matrix param, Matrix grad, Matrix m, Matrix v, double stepSize, double beta1,
                                double beta2, double eps, double correction2, double weightDecay) {
        CudaMatrix p = cu(param);
        CudaMatrix g = cu(grad);
        CudaMatrix cm = cu(m);
        CudaMatrix cv = cu(v);
        need(p.size() == g.size() && p.size() == cm.size() && p.size() == cv.size(), "adam_update", p, g, cm, cv);
        launch("adam_update", p.precision(), p, g, cm, cv).ptr(p).ptr(g).ptr(cm).ptr(cv).real(stepSize).real(beta1)
                .real(beta2).real(eps).real(correction2).real(weightDecay).i(p.size()).elementwise(p.size());
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    protected void doClose() {
        if (context == null) {
            return;
        }
        current();
        JCudaDriver.cuCtxSynchronize();
        for (CudaMatrix m : new ArrayList<>(live)) {
            freeMemory(m);
        }
        for (int i = 0; i < partials.length; i++) {
            if (partials[i] != null) {
                JCudaDriver.cuMemFree(partials[i]);
                partials[i] = null;
            }
        }
        for (int i = 0; i < modules.length; i++) {
            functions.get(i).clear();
            if (modules[i] != null) {
                JCudaDriver.cuModuleUnload(modules[i]);
                modules[i] = null;
            }
        }
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
        context = null;
    }

    // ------------------------------------------------------------------ launching

    private static void need(boolean ok, String kernel, CudaMatrix... ms) {
        if (!ok) {
            throw new IllegalArgumentException("cuda: kernel " + kernel + ": sizes do not fit: " + shapes(ms));
        }
    }

    private static String shapes(CudaMatrix... ms) {
        StringBuilder sb = new StringBuilder();
        for (CudaMatrix m : ms) {
            sb.append(sb.length() == 0 ? "" : ", ").append(m.shape());
        }
        return sb.toString();
    }

    /** The function {@code name} for {@code precision}, loading the module on first use. */
    private CUfunction function(String name, Precision precision) {
        int i = precision.ordinal();
        CUfunction f = functions.get(i).get(name);
        if (f == null) {
            current();
            if (modules[i] == null) {
                CUmodule module = new CUmodule();
                CudaChecks.check(JCudaDriver.cuModuleLoadData(module, PtxModules.ptx(precision)),
                        "cuModuleLoadData of " + PtxModules.resourceName(precision) + " on " + info.describe());
                modules[i] = module;
                signatures.set(i, PtxModules.signatures(precision));
            }
            f = new CUfunction();
            CudaChecks.check(JCudaDriver.cuModuleGetFunction(f, modules[i], name),
                    "cuModuleGetFunction " + name + " (" + precision + ")");
            functions.get(i).put(name, f);
        }
        return f;
    }

    private Launch launch(String kernel, Precision precision, CudaMatrix... operands) {
        CUfunction f = function(kernel, precision);
        List<PtxModules.Param> params = signatures.get(precision.ordinal()).get(kernel);
        if (params == null) {
            throw new BackendException("cuda: kernel " + kernel + " has no parameter list in "
                    + PtxModules.resourceName(precision));
        }
        return new Launch(kernel, precision, f, params, operands);
    }

    /**
     * Collects a kernel's arguments, each checked against the kernel's PTX parameter list, and launches it on
     * the default stream; every failure becomes a BackendException naming the kernel, the shapes and the device.
     */
    private final class Launch {
        private final String name;
        private final Precision precision;
        private final CUfunction function;
        private final List<PtxModules.Param> params;
        private final CudaMatrix[] operands;
        private final List<NativePointerObject> args = new ArrayList<>();

        Launch(String name, Precision precision, CUfunction function, List<PtxModules.Param> params,
               CudaMatrix[] operands) {
            this.name = name;
            this.precision = precision;
            this.function = function;
            this.params = params;
            this.operands = operands;
        }

        private Launch add(PtxModules.Param kind, Pointer value) {
            int index = args.size();
            if (index >= params.size() || params.get(index) != kind) {
                throw new IllegalStateException("cuda: kernel " + name + ": argument " + index + " is a " + kind
                        + " but the kernel's parameters are " + params);
            }
            args.add(value);
            return this;
        }

        Launch ptr(CudaMatrix m) {
            if (m.ptr == null || m.precision() != precision) {
                throw new IllegalArgumentException("cuda: kernel " + name + ": operand " + m.shape()
                        + " is freed or not " + precision);
            }
            return add(PtxModules.Param.POINTER, Pointer.to(m.ptr));
        }

        Launch ptr(CUdeviceptr p) {
            return add(PtxModules.Param.POINTER, Pointer.to(p));
        }

        Launch i(int v) {
            return add(PtxModules.Param.INT, Pointer.to(new int[] {v}));
        }

        Launch real(double v) {
            return add(PtxModules.Param.REAL, precision == Precision.FLOAT64 ? Pointer.to(new double[] {v})
                    : Pointer.to(new float[] {(float) v}));
        }

        void elementwise(long n) {
            run((int) ((n + ELEM_LANES - 1) / ELEM_LANES), 1, ELEM_LANES, 1);
        }

        void run(int gridX, int gridY, int blockX, int blockY) {
            if (args.size() != params.size()) {
                throw new IllegalStateException("cuda: kernel " + name + " takes " + params.size()
                        + " arguments, got " + args.size());
            }
            if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y) {
                throw new IllegalArgumentException("cuda: kernel " + name + ": bad grid " + gridX + " x " + gridY);
            }
            current();
            int rc = JCudaDriver.cuLaunchKernel(function, gridX, gridY, 1, blockX, blockY, 1, 0, null,
                    Pointer.to(args.toArray(new NativePointerObject[0])), null);
            if (rc != CUresult.CUDA_SUCCESS) {
                throw new BackendException("cuda: kernel " + name + " (" + precision + ") on " + shapes(operands)
                        + ", grid " + gridX + " x " + gridY + ", block " + blockX + " x " + blockY + ": cuLaunchKernel failed on "
                        + info.name() + ": " + CUresult.stringFor(rc));
            }
        }
    }
}
