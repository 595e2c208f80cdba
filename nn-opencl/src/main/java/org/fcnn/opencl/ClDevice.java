// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import java.util.Locale;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as found by {@link ClDevices#probe()}: its handles and the properties the backend
 * needs (fp64, memory limits, work-group size).
 *
 * @param platformIndex index of the platform in {@code clGetPlatformIDs} order
 * @param deviceIndex   index of the device within its platform
 * @param globalIndex   index over all platforms' devices, in that order
 */
record ClDevice(int platformIndex, int deviceIndex, int globalIndex, cl_platform_id platform, cl_device_id device,
                String name, String platformName, String version, boolean gpu, boolean cpu, boolean fp64,
                long globalMemBytes, long maxAllocBytes, long localMemBytes, long maxWorkGroupSize, int computeUnits) {

    /** {@code platform:device}, as accepted by {@code fcnn.opencl.device}. */
    String id() {
        return platformIndex + ":" + deviceIndex;
    }

    String typeName() {
        return gpu ? "GPU" : cpu ? "CPU" : "accelerator";
    }

    /** One line: name, platform, type, compute units, memory, fp64. */
    String describe() {
        return String.format(Locale.ROOT, "%s [%s] (%s, %s, %d compute units, %s, %s)", name, id(), platformName,
                typeName(), computeUnits, mib(globalMemBytes), fp64 ? "fp64" : "no fp64");
    }

    private static String mib(long bytes) {
        return bytes >= (1L << 30) ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : (bytes >> 20) + " MiB";
    }
}
