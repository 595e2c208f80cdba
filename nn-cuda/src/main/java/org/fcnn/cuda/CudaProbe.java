// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.fcnn.api.Precision;

/**
 * Decides once per JVM whether the CUDA backend can run: the JCuda driver library loads (it needs
 * {@code libcuda.so.1} / {@code nvcuda.dll}, i.e. an NVIDIA driver), {@code cuInit} succeeds, a device exists,
 * and the driver accepts the shipped PTX ({@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION} means the driver is
 * older than the CUDA 13 toolkit that generated it). Never throws; a {@link LinkageError} means unavailable.
 *
 * <p>The device is the first one, or the index in the system property {@value #PROPERTY} or the environment
 * variable {@value #ENVIRONMENT}.
 */
final class CudaProbe {
    static final String PROPERTY = "fcnn.cuda.device";
    static final String ENVIRONMENT = "FCNN_CUDA_DEVICE";

    /** The result: a device, or the reason there is none. */
    record Result(CudaDevice device, String reason) {
        boolean available() {
            return device != null;
        }
    }

    private static final class Holder {
        static final Result RESULT = run();
    }

    private CudaProbe() {
    }

    static Result result() {
        return Holder.RESULT;
    }

    private static Result run() {
        try {
            return probe();
        } catch (LinkageError e) {
            return new Result(null, "the CUDA driver library could not be loaded (no NVIDIA driver on this machine: "
                    + "libcuda.so.1 / nvcuda.dll is missing); install the NVIDIA driver to use CUDA (" + summary(e) + ")");
        } catch (Throwable t) {
            return new Result(null, "probing CUDA failed (" + summary(t) + ")");
        }
    }

    /**
     * One line for a throwable: JCuda's UnsatisfiedLinkError carries whole stack traces in its message; keep
     * its first line and the innermost loader error (which names the missing library, e.g. libcuda.so.1).
     */
    static String summary(Throwable t) {
        String msg = t.getMessage() == null ? "" : t.getMessage();
        String[] lines = msg.split("\\R");
        String first = lines.length == 0 ? "" : lines[0].strip();
        String cause = "";
        for (String line : lines) {
            int at = line.indexOf("UnsatisfiedLinkError: ");
            if (at >= 0 && line.contains("cannot open")) {
                cause = line.substring(at + "UnsatisfiedLinkError: ".length()).strip();
            }
        }
        return t.getClass().getSimpleName() + ": " + first + (cause.isEmpty() || cause.equals(first) ? "" : "; " + cause);
    }

    private static Result probe() {
        int rc = JCudaDriver.cuInit(0);
        if (rc != CUresult.CUDA_SUCCESS) {
            return new Result(null, "cuInit failed: " + CUresult.stringFor(rc)
                    + (rc == CUresult.CUDA_ERROR_NO_DEVICE ? " (the NVIDIA driver is installed but sees no GPU)"
                    : " (check the NVIDIA driver with nvidia-smi)"));
        }
        int[] count = new int[1];
        rc = JCudaDriver.cuDeviceGetCount(count);
        if (rc != CUresult.CUDA_SUCCESS || count[0] == 0) {
            return new Result(null, "no CUDA device found"
                    + (rc != CUresult.CUDA_SUCCESS ? " (cuDeviceGetCount: " + CUresult.stringFor(rc) + ")" : ""));
        }
        int ordinal = 0;
        String selector = System.getProperty(PROPERTY);
        if (selector == null || selector.isBlank()) {
            selector = System.getenv(ENVIRONMENT);
        }
        if (selector != null && !selector.isBlank()) {
            try {
                ordinal = Integer.parseInt(selector.trim());
            } catch (NumberFormatException e) {
                ordinal = -1;
            }
            if (ordinal < 0 || ordinal >= count[0]) {
                return new Result(null, PROPERTY + "/" + ENVIRONMENT + "='" + selector.trim()
                        + "' is not a CUDA device index; this machine has devices 0.." + (count[0] - 1));
            }
        }
        CUdevice device = new CUdevice();
        CudaChecks.check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        byte[] name = new byte[256];
        CudaChecks.check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        CudaChecks.check(JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                "cuDeviceGetAttribute");
        CudaChecks.check(JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                "cuDeviceGetAttribute");
        long[] mem = new long[1];
        CudaChecks.check(JCudaDriver.cuDeviceTotalMem(mem, device), "cuDeviceTotalMem");
        int[] driver = new int[1];
        CudaChecks.check(JCudaDriver.cuDriverGetVersion(driver), "cuDriverGetVersion");
        CudaDevice info = new CudaDevice(ordinal, count[0], new String(name, 0, len, StandardCharsets.UTF_8).trim(),
                major[0], minor[0], mem[0], driver[0]);

        // Load the shipped PTX once: a driver older than the toolkit that generated it refuses it here.
        CUcontext context = new CUcontext();
        CudaChecks.check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain on " + info.name());
        try {
            CudaChecks.check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CUmodule module = new CUmodule();
            rc = JCudaDriver.cuModuleLoadData(module, PtxModules.ptx(Precision.FLOAT32));
            if (rc == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
                return new Result(null, "the NVIDIA driver (CUDA " + driver[0] / 1000 + "." + (driver[0] % 1000) / 10
                        + ") is too old for the kernels' PTX (ISA 9.0, generated by CUDA 13): update the driver to "
                        + "R580 or newer");
            }
            if (rc != CUresult.CUDA_SUCCESS) {
                return new Result(null, "the driver cannot load the kernels (cuModuleLoadData: " + CUresult.stringFor(rc)
                        + ") on " + info.describe());
            }
            JCudaDriver.cuModuleUnload(module);
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
        return new Result(info, null);
    }
}
