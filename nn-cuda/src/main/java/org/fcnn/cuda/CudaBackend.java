// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import static org.fcnn.spi.device.Geometry.LOSS_GROUPS;

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
import org.fcnn.api.BackendException;
import org.fcnn.api.Precision;
import org.fcnn.spi.Matrix;
import org.fcnn.spi.device.ArgKind;
import org.fcnn.spi.device.Geometry;
import org.fcnn.spi.device.KernelArg;
import org.fcnn.spi.device.KernelBackend;
import org.fcnn.spi.device.KernelCall;

/**
 * The {@code cuda} backend: matrices live in device memory and every kernel of the SPI runs on the GPU,
 * from the committed PTX of the kernel body shared with the OpenCL backend (one module per precision,
 * loaded on first use with {@code cuModuleLoadData}). {@link KernelBackend} composes the kernel calls, the
 * same calls the OpenCL backend runs; this class holds the memory and launches the calls.
 *
 * <p>Each backend retains the device's primary context (the driver counts references) and loads its own
 * modules; everything runs on the legacy default stream, so kernels run in order and the synchronous
 * device-to-host copies of {@link #read} and {@link #loss} see all preceding work completed. The context is
 * made current on the calling thread before every operation. Sizes are checked here before every driver
 * call, and every launch's arguments are checked against the kernel's PTX parameter list, because the
 * driver checks neither and a mistake would crash the JVM.
 */
final class CudaBackend extends KernelBackend {
    /** CUDA's limit on gridDim.y. */
    static final int MAX_GRID_Y = 65535;

    private final CudaDevice info;
    private final CUdevice device = new CUdevice();
    private CUcontext context = new CUcontext();
    private final CUmodule[] modules = new CUmodule[Precision.values().length];
    private final List<Map<String, CUfunction>> functions = new ArrayList<>();
    private final List<Map<String, List<ArgKind>>> signatures = new ArrayList<>();
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

    @Override
    protected void upload(Matrix dst, double[] src, int offset) {
        toDevice(cu(dst), Pointer.to(src).withByteOffset((long) offset * Sizeof.DOUBLE));
    }

    @Override
    protected void upload(Matrix dst, float[] src, int offset) {
        toDevice(cu(dst), Pointer.to(src).withByteOffset((long) offset * Sizeof.FLOAT));
    }

    /** Copies exactly {@code m.bytes()} bytes from {@code host}, whose size the caller has checked. */
    private void toDevice(CudaMatrix m, Pointer host) {
        current();
        CudaChecks.check(JCudaDriver.cuMemcpyHtoD(m.ptr, host, m.bytes()), "cuMemcpyHtoD to " + m.shape() + " on "
                + info.name());
    }

    @Override
    protected void download(Matrix src, double[] dst, int offset) {
        toHost(cu(src), Pointer.to(dst).withByteOffset((long) offset * Sizeof.DOUBLE));
    }

    @Override
    protected void download(Matrix src, float[] dst, int offset) {
        toHost(cu(src), Pointer.to(dst).withByteOffset((long) offset * Sizeof.FLOAT));
    }

    private void toHost(CudaMatrix m, Pointer host) {
        current();
        CudaChecks.check(JCudaDriver.cuMemcpyDtoH(host, m.ptr, m.bytes()), "cuMemcpyDtoH from " + m.shape() + " on "
                + info.name() + " (or an earlier kernel failed)");
    }

    @Override
    protected void doCopy(Matrix src, Matrix dst) {
        CudaMatrix s = cu(src);
        CudaMatrix d = cu(dst);
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

    // ------------------------------------------------------------------ kernels (composed by KernelBackend)

    @Override
    protected double[] readLossPartials(Matrix output, int count) {
        Precision p = output.precision();
        CUdeviceptr partial = partials(p);
        double[] sums = new double[count];
        int rc;
        current();
        if (p == Precision.FLOAT64) {
            rc = JCudaDriver.cuMemcpyDtoH(Pointer.to(sums), partial, (long) count * Sizeof.DOUBLE);
        } else {
            float[] h = new float[count];
            rc = JCudaDriver.cuMemcpyDtoH(Pointer.to(h), partial, (long) count * Sizeof.FLOAT);
            for (int i = 0; i < count; i++) {
                sums[i] = h[i];
            }
        }
        CudaChecks.check(rc, "reading the loss partial sums of " + output.shape() + " on " + info.name());
        return sums;
    }

    /** The device buffer of {@link Geometry#LOSS_GROUPS} partial sums for {@code p}, made on first use. */
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

    /**
     * Checks the call's arguments against the kernel's {@code .entry} in the PTX (the driver checks nothing, and a
     * wrong argument crashes the JVM), then launches it on the default stream as a grid of blocks: grid = the
     * geometry's groups, block = its lanes. gridDim.y is limited to {@link #MAX_GRID_Y}, so a taller gemm is
     * launched in parts of at most that many tile rows (the kernel's {@code rowBlock0} argument).
     */
    @Override
    protected void launch(KernelCall call) {
        String name = call.kernel().entry();
        CUfunction function = function(name, call.precision());
        List<ArgKind> params = signatures.get(call.precision().ordinal()).get(name);
        if (params == null) {
            throw new BackendException("cuda: kernel " + name + " has no parameter list in "
                    + PtxModules.resourceName(call.precision()));
        }
        if (!params.equals(call.argKinds())) {
            throw new IllegalStateException("cuda: kernel " + name + ": arguments " + call.argKinds()
                    + " but the kernel's parameters in the PTX are " + params);
        }
        Geometry g = call.geometry();
        if (g instanceof Geometry.GemmTiles) {
            for (int first = 0; first < g.groupsY(); first += MAX_GRID_Y) {
                run(call.withFirstTileRow(first), function, Math.min(MAX_GRID_Y, g.groupsY() - first));
            }
        } else {
            run(call, function, g.groupsY());
        }
    }

    private void run(KernelCall call, CUfunction function, int gridY) {
        Geometry g = call.geometry();
        int gridX = g.groupsX();
        if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException("cuda: " + call.describe() + ": bad grid " + gridX + " x " + gridY);
        }
        NativePointerObject[] args = new NativePointerObject[call.args().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = argument(call.args().get(i), call.precision());
        }
        current();
        int rc = JCudaDriver.cuLaunchKernel(function, gridX, gridY, 1, g.lanesX(), g.lanesY(), 1, 0, null,
                Pointer.to(args), null);
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new BackendException("cuda: " + call.describe() + ", grid " + gridX + " x " + gridY + ", block "
                    + g.lanesX() + " x " + g.lanesY() + ": cuLaunchKernel failed on " + info.name() + ": "
                    + CUresult.stringFor(rc));
        }
    }

    /** A pointer to the argument's value, as cuLaunchKernel takes it. */
    private Pointer argument(KernelArg arg, Precision precision) {
        if (arg instanceof KernelArg.Buffer b) {
            return Pointer.to(cu(b.matrix()).ptr);
        } else if (arg instanceof KernelArg.LossPartials) {
            return Pointer.to(partials(precision));
        } else if (arg instanceof KernelArg.Int v) {
            return Pointer.to(new int[] {v.value()});
        } else {
            double v = ((KernelArg.Real) arg).value();
            return precision == Precision.FLOAT64 ? Pointer.to(new double[] {v}) : Pointer.to(new float[] {(float) v});
        }
    }
}
