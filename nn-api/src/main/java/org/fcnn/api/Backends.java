// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;

/**
 * The one place where backends are discovered and chosen.
 *
 * <p>Discovery uses {@link ServiceLoader} over {@link BackendProvider}: adding a backend jar (nn-cpu,
 * nn-opencl, nn-cuda) to the class path is all it takes. Selection:
 * <ol>
 *   <li>If the system property {@value #PROPERTY} or else the environment variable {@value #ENVIRONMENT}
 *       names a backend (other than {@code auto}), that backend is used, and if it is unknown or cannot run
 *       here the call fails with the reason; there is no silent fallback.</li>
 *   <li>Otherwise the available backend with the highest priority is used.</li>
 * </ol>
 * The first selection is logged once (SLF4J, INFO), with the reasons the other backends were skipped.
 * {@link #list()} shows every discovered backend with its availability, for diagnostics.
 */
public final class Backends {
    /** System property naming the backend to use: {@code cpu}, {@code opencl}, {@code cuda} or {@code auto}. */
    public static final String PROPERTY = "fcnn.backend";
    /** Environment variable naming the backend to use, read when the system property is not set. */
    public static final String ENVIRONMENT = "FCNN_BACKEND";

    private Backends() {
    }

    private static final class Holder {
        static final BackendRegistry REGISTRY = discover();
    }

    private static BackendRegistry discover() {
        List<BackendProvider> providers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                providers.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                problems.add(e.toString());
            }
        }
        return new BackendRegistry(providers, problems,
                key -> key.equals(PROPERTY) ? System.getProperty(PROPERTY) : System.getenv(key));
    }

    /** Every discovered backend, highest priority first, each with its availability and reason. */
    public static List<BackendInfo> list() {
        return Holder.REGISTRY.list();
    }

    /**
     * Every discovered backend with a full diagnosis ({@link BackendProvider#diagnose()}): device lists and
     * reasons that {@link #list()} may leave out to avoid loading native libraries. For diagnostics only.
     */
    public static List<BackendInfo> diagnose() {
        return Holder.REGISTRY.diagnose();
    }

    /**
     * The backend that {@link #open()} uses: the one named by {@value #PROPERTY}/{@value #ENVIRONMENT}, or the
     * best available.
     *
     * @throws BackendUnavailableException if the named backend is unknown or unavailable, or none is available
     */
    public static BackendInfo selected() {
        return Holder.REGISTRY.select();
    }

    /** Opens the selected backend (see {@link #selected()}). The caller closes it. */
    public static Backend open() {
        return Holder.REGISTRY.open(selected());
    }

    /**
     * Opens the backend called {@code name} ({@code auto} means {@link #open()}). The caller closes it.
     *
     * @throws BackendUnavailableException naming the reason, if it is unknown or cannot run here
     */
    public static Backend open(String name) {
        return Holder.REGISTRY.open(named(name));
    }

    /**
     * Opens the backend called {@code name} as {@link #open(String)} does, running its work on at most
     * {@code maxThreads} host threads ({@link org.fcnn.spi.BackendProvider#create(int)}). The caller closes it.
     *
     * @throws IllegalArgumentException    if {@code maxThreads < 1}
     * @throws BackendUnavailableException naming the reason, if it is unknown or cannot run here
     */
    public static Backend open(String name, int maxThreads) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
        }
        return Holder.REGISTRY.open(named(name), maxThreads);
    }

    /** The backend called {@code name}; {@code auto} (or none) is the selected one. */
    private static BackendInfo named(String name) {
        return name == null || name.isBlank() || name.trim().equalsIgnoreCase("auto") ? selected()
                : Holder.REGISTRY.find(name);
    }

    /** A multi-line description of every backend and the selection, for bug reports. */
    public static String report() {
        StringBuilder sb = new StringBuilder();
        for (BackendInfo info : diagnose()) {
            sb.append(info).append('\n');
        }
        try {
            sb.append("selected: ").append(selected().name());
        } catch (BackendUnavailableException e) {
            sb.append("selected: none (").append(e.getMessage()).append(')');
        }
        return sb.toString();
    }
}
