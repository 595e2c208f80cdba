// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import java.util.Locale;

/** The CUDA device the backend uses, as probed once per JVM. */
record CudaDevice(int ordinal, int count, String name, int major, int minor, long totalMemBytes, int driverVersion) {

    /** Name, compute capability, memory and driver, as the {@code backends} command shows it. */
    String describe() {
        return String.format(Locale.ROOT, "%s (device %d of %d, compute capability %d.%d, %.1f GiB, driver CUDA %d.%d)",
                name, ordinal, count, major, minor, totalMemBytes / (double) (1L << 30), driverVersion / 1000,
                (driverVersion % 1000) / 10);
    }
}
