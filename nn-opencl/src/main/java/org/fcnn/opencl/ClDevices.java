// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import static org.jocl.CL.CL_DEVICE_EXTENSIONS;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_NOT_FOUND_KHR;
import static org.jocl.CL.CL_SUCCESS;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds the OpenCL devices on this machine and picks the one the backend uses: GPUs first, then
 * accelerators, then CPUs, in platform order; the system property {@value #PROPERTY} or the environment
 * variable {@value #ENVIRONMENT} overrides the choice by {@code platform:device}, by global index, or by a
 * substring of the device name (case-insensitive).
 *
 * <p>The probe runs once per JVM ({@link #probe()} caches it), because a failed load of the OpenCL library
 * leaves {@code org.jocl.CL} unusable for the life of the JVM.
 */
final class ClDevices {
    /** System property choosing the OpenCL device: {@code platform:device}, a global index, or a name part. */
    static final String PROPERTY = "fcnn.opencl.device";
    /** Environment variable read when {@value #PROPERTY} is not set. */
    static final String ENVIRONMENT = "FCNN_OPENCL_DEVICE";

    /**
     * The result of probing: every device found, the chosen one (or null) and, when none can be used, the
     * reason.
     */
    record Probe(List<ClDevice> devices, ClDevice chosen, String reason, Throwable cause) {
        boolean available() {
            return chosen != null;
        }

        /** The availability detail: the chosen device, then every device found. */
        String detail() {
            if (chosen == null) {
                return reason;
            }
            StringBuilder sb = new StringBuilder(chosen.describe());
            sb.append("; OpenCL devices found: ");
            for (int i = 0; i < devices.size(); i++) {
                ClDevice d = devices.get(i);
                sb.append(i == 0 ? "" : ", ").append('#').append(d.globalIndex()).append(' ').append(d.id())
                        .append(' ').append(d.name()).append(" (").append(d.typeName()).append(", ")
                        .append(d.fp64() ? "fp64" : "no fp64").append(d == chosen ? ", used)" : ")");
            }
            sb.append("; choose with -D").append(PROPERTY).append(" or ").append(ENVIRONMENT);
            return sb.toString();
        }
    }

    private static final class Holder {
        static final Probe PROBE = doProbe(selector());
    }

    private ClDevices() {
    }

    /** The once-per-JVM probe. Never throws. */
    static Probe probe() {
        return Holder.PROBE;
    }

    private static String selector() {
        String s = System.getProperty(PROPERTY);
        if (s == null || s.isBlank()) {
            s = System.getenv(ENVIRONMENT);
        }
        return s == null || s.isBlank() ? null : s.trim();
    }

    static Probe doProbe(String selector) {
        List<ClDevice> devices;
        try {
            devices = listDevices();
        } catch (LinkageError e) {
            return new Probe(List.of(), null, "the OpenCL library could not be loaded; install an OpenCL ICD loader "
                    + "(libOpenCL.so.1, e.g. ocl-icd-libopencl1) and a driver such as pocl-opencl-icd or your GPU "
                    + "vendor's (" + e + ")", e);
        } catch (NoPlatformException e) {
            return new Probe(List.of(), null, e.getMessage(), null);
        } catch (Throwable t) {
            return new Probe(List.of(), null, "probing OpenCL failed (" + t + ")", t);
        }
        if (devices.isEmpty()) {
            return new Probe(devices, null, "OpenCL platforms found but no OpenCL device; check the driver "
                    + "(clinfo lists what OpenCL sees)", null);
        }
        ClDevice chosen;
        if (selector != null) {
            chosen = select(devices, selector);
            if (chosen == null) {
                StringBuilder sb = new StringBuilder("no OpenCL device matches " + PROPERTY + "/" + ENVIRONMENT
                        + "='" + selector + "'; devices:");
                for (ClDevice d : devices) {
                    sb.append(" #").append(d.globalIndex()).append(' ').append(d.id()).append(' ').append(d.name())
                            .append(';');
                }
                return new Probe(devices, null, sb.substring(0, sb.length() - 1), null);
            }
        } else {
            chosen = devices.stream().min(Comparator.comparingInt(ClDevices::rank)
                    .thenComparingInt(ClDevice::globalIndex)).orElseThrow();
        }
        return new Probe(devices, chosen, null, null);
    }

    private static int rank(ClDevice d) {
        return d.gpu() ? 0 : d.cpu() ? 2 : 1;
    }

    /** The device {@code selector} names: {@code p:d}, a global index, or a name substring; null if none. */
    static ClDevice select(List<ClDevice> devices, String selector) {
        String s = selector.trim();
        if (s.matches("\\d+:\\d+")) {
            for (ClDevice d : devices) {
                if (d.id().equals(s)) {
                    return d;
                }
            }
            return null;
        }
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            return i < devices.size() ? devices.get(i) : null;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        for (ClDevice d : devices) {
            if (d.name().toLowerCase(Locale.ROOT).contains(lower)) {
                return d;
            }
        }
        return null;
    }

    private static final class NoPlatformException extends Exception {
        private static final long serialVersionUID = 1L;

        NoPlatformException(String message) {
            super(message);
        }
    }

    private static List<ClDevice> listDevices() throws NoPlatformException {
        int[] count = new int[1];
        int err = CL.clGetPlatformIDs(0, null, count);
        if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && count[0] == 0)) {
            throw new NoPlatformException("no OpenCL platform found; install an ICD such as pocl-opencl-icd "
                    + "(OpenCL on the CPU) or your GPU vendor's OpenCL driver (clinfo lists what OpenCL sees)");
        }
        if (err != CL_SUCCESS) {
            throw new IllegalStateException("clGetPlatformIDs failed: " + CL.stringFor_errorCode(err));
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        ClChecks.check(CL.clGetPlatformIDs(platforms.length, platforms, null), "clGetPlatformIDs");
        List<ClDevice> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            String platformName = platformString(platforms[p], CL_PLATFORM_NAME);
            int[] n = new int[1];
            err = CL.clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
            if (err == CL_DEVICE_NOT_FOUND || n[0] == 0) {
                continue;
            }
            ClChecks.check(err, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[n[0]];
            ClChecks.check(CL.clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, ids.length, ids, null), "clGetDeviceIDs");
            for (int d = 0; d < ids.length; d++) {
                long type = deviceLong(ids[d], CL_DEVICE_TYPE);
                String ext = deviceString(ids[d], CL_DEVICE_EXTENSIONS);
                out.add(new ClDevice(p, d, out.size(), platforms[p], ids[d], deviceString(ids[d], CL_DEVICE_NAME).trim(),
                        platformName.trim(), deviceString(ids[d], CL_DEVICE_VERSION).trim(),
                        (type & CL_DEVICE_TYPE_GPU) != 0, (type & CL_DEVICE_TYPE_CPU) != 0,
                        ext.contains("cl_khr_fp64"),
                        deviceLong(ids[d], CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(ids[d], CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        deviceLong(ids[d], CL_DEVICE_LOCAL_MEM_SIZE), deviceSizeT(ids[d], CL_DEVICE_MAX_WORK_GROUP_SIZE),
                        deviceInt(ids[d], CL_DEVICE_MAX_COMPUTE_UNITS)));
            }
        }
        return out;
    }

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        ClChecks.check(CL.clGetPlatformInfo(platform, param, 0, null, size), "clGetPlatformInfo");
        byte[] buf = new byte[(int) size[0]];
        ClChecks.check(CL.clGetPlatformInfo(platform, param, buf.length, Pointer.to(buf), null), "clGetPlatformInfo");
        return cString(buf);
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        ClChecks.check(CL.clGetDeviceInfo(device, param, 0, null, size), "clGetDeviceInfo");
        byte[] buf = new byte[(int) size[0]];
        ClChecks.check(CL.clGetDeviceInfo(device, param, buf.length, Pointer.to(buf), null), "clGetDeviceInfo");
        return cString(buf);
    }

    private static long deviceLong(cl_device_id device, int param) {
        long[] v = new long[1];
        ClChecks.check(CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static long deviceSizeT(cl_device_id device, int param) {
        long[] v = new long[1];
        ClChecks.check(CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static int deviceInt(cl_device_id device, int param) {
        int[] v = new int[1];
        ClChecks.check(CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    private static String cString(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
