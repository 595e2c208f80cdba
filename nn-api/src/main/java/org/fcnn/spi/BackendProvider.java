// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

/**
 * The entry point of a backend jar, found by {@link java.util.ServiceLoader}: a backend module lists its
 * implementation in {@code META-INF/services/org.fcnn.spi.BackendProvider}.
 *
 * <p>Contract, so that discovery stays cheap and safe:
 * <ul>
 *   <li>The constructor does nothing expensive and loads no native library.</li>
 *   <li>{@link #availability()} probes the machine (loading native libraries lazily), never throws, and
 *       answers the same for the life of the JVM (implementations cache it); a {@link LinkageError} while
 *       probing means "unavailable", with the error in the reason.</li>
 *   <li>{@link #create()} is called only when available and returns a new, independent {@link Backend}
 *       that the caller closes.</li>
 * </ul>
 */
public interface BackendProvider {

    /** A short lower-case name, unique among backends: {@code cpu}, {@code opencl}, {@code cuda}. */
    String name();

    /**
     * Automatic selection picks the available backend with the highest priority. The CPU backend has 0;
     * device backends are higher. Called after {@link #availability()}, so it may depend on the device
     * found (an OpenCL backend on a CPU device ranks itself below the CPU backend).
     */
    int priority();

    /** Whether this backend can run here and, if not, why. Never throws. */
    Availability availability();

    /**
     * A full diagnosis for {@code fcnn backends} and bug reports: like {@link #availability()}, but it may
     * load native libraries that {@code availability()} avoids loading (for example to list every device).
     * Never throws. Defaults to {@link #availability()}.
     */
    default Availability diagnose() {
        return availability();
    }

    /**
     * Opens a new backend.
     *
     * @throws org.fcnn.api.BackendUnavailableException if {@link #availability()} says it cannot run
     * @throws org.fcnn.api.BackendException            if the device fails while being opened
     */
    Backend create();

    /**
     * Like {@link #create()}, for a backend that runs its work on at most {@code maxThreads} host threads: the CPU
     * backend's products then use {@code min(maxThreads, its own thread count)} threads, e.g. one per Spark task when
     * the tasks already share the cores. A backend whose work runs on a device may ignore it; the default does.
     *
     * @throws IllegalArgumentException                  if {@code maxThreads < 1}
     * @throws org.fcnn.api.BackendUnavailableException if {@link #availability()} says it cannot run
     * @throws org.fcnn.api.BackendException            if the device fails while being opened
     */
    default Backend create(int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
        }
        return create();
    }
}
