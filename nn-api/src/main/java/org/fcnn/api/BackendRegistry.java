// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery and selection over a fixed set of providers; {@link Backends} holds the one built from
 * {@link java.util.ServiceLoader}. Package-private so tests can feed it their own providers and settings.
 */
final class BackendRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private final List<BackendInfo> infos;
    private final Function<String, String> settings;
    private boolean choiceLogged;

    /**
     * @param providers the discovered providers
     * @param problems  reasons some providers could not even be instantiated (logged, listed)
     * @param settings  looks up {@code fcnn.backend} (system property first, then {@code FCNN_BACKEND})
     */
    BackendRegistry(List<BackendProvider> providers, List<String> problems, Function<String, String> settings) {
        this.settings = settings;
        List<BackendInfo> list = new ArrayList<>();
        for (BackendProvider p : providers) {
            Availability availability = probe(p);
            list.add(new BackendInfo(p.name().toLowerCase(Locale.ROOT), p.priority(), availability, p));
        }
        list.sort(Comparator.comparingInt(BackendInfo::priority).reversed().thenComparing(BackendInfo::name));
        this.infos = List.copyOf(list);
        for (String problem : problems) {
            LOG.warn("fcnn: skipped a backend provider that failed to load: {}", problem);
        }
    }

    /** Every provider's full diagnosis, in the order of {@link #list()}. */
    List<BackendInfo> diagnose() {
        List<BackendInfo> out = new ArrayList<>();
        for (BackendInfo info : infos) {
            out.add(new BackendInfo(info.name(), info.priority(), probe(info.provider(), true), info.provider()));
        }
        return List.copyOf(out);
    }

    private static Availability probe(BackendProvider p) {
        return probe(p, false);
    }

    /** Availability without letting anything escape: a LinkageError or exception means unavailable. */
    private static Availability probe(BackendProvider p, boolean full) {
        try {
            Availability a = full ? p.diagnose() : p.availability();
            return a != null ? a : Availability.unavailable("provider returned no availability");
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                throw (VirtualMachineError) t;
            }
            return Availability.unavailable("probing the backend failed", t);
        }
    }

    List<BackendInfo> list() {
        return infos;
    }

    /** The backend named by the settings, if any, else the best available one. */
    synchronized BackendInfo select() {
        String requested = requested();
        BackendInfo chosen = requested != null ? find(requested) : best();
        if (!choiceLogged) {
            choiceLogged = true;
            String others = infos.stream().filter(i -> i != chosen)
                    .map(i -> i.name() + (i.available() ? " (available, lower priority)" : " (" + i.availability().detail() + ")"))
                    .collect(Collectors.joining("; "));
            LOG.info("fcnn: using backend '{}' on {}{}{}", chosen.name(), firstClause(chosen.availability().detail()),
                    requested != null ? ", as requested by " + Backends.PROPERTY + "/" + Backends.ENVIRONMENT : ", chosen automatically",
                    others.isEmpty() ? "" : "; others: " + others);
        }
        return chosen;
    }

    /** The backend named {@code name}; fails with the reason if it is unknown or cannot run. */
    BackendInfo find(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        for (BackendInfo info : infos) {
            if (info.name().equals(key)) {
                if (!info.available()) {
                    throw new BackendUnavailableException("backend '" + key + "' is unavailable: "
                            + info.availability().detail() + ". " + summary());
                }
                return info;
            }
        }
        throw new BackendUnavailableException("unknown backend '" + name + "'. " + summary()
                + " Add the backend's jar (for example nn-" + key + ") to the class path.");
    }

    BackendInfo best() {
        for (BackendInfo info : infos) {
            if (info.available()) {
                return info;
            }
        }
        throw new BackendUnavailableException("no fcnn backend is available. " + summary()
                + " Add nn-cpu to the class path for a backend that always runs.");
    }

    Backend open(BackendInfo info) {
        return info.provider().create();
    }

    Backend open(BackendInfo info, int maxThreads) {
        return info.provider().create(maxThreads);
    }

    String requested() {
        String value = settings.apply(Backends.PROPERTY);
        if (value == null || value.isBlank()) {
            value = settings.apply(Backends.ENVIRONMENT);
        }
        return value == null || value.isBlank() || value.trim().equalsIgnoreCase("auto") ? null : value.trim();
    }

    /** The device part of a detail, up to the first "; " (details may go on to list other devices). */
    private static String firstClause(String detail) {
        int end = detail.indexOf("; ");
        return end < 0 ? detail : detail.substring(0, end);
    }

    String summary() {
        if (infos.isEmpty()) {
            return "No backend was found on the class path.";
        }
        return "Backends found: " + infos.stream()
                .map(i -> i.name() + (i.available() ? " (available)" : " (unavailable: " + i.availability().detail() + ")"))
                .collect(Collectors.joining(", ")) + ".";
    }
}
