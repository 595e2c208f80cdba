// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fcnn.api.Network;

/**
 * The networks an executor JVM keeps between tasks, so that a step's task does not rebuild one (and reopen its
 * backend): a few idle networks per {@link NetworkSpec#key()}, borrowed by one task at a time (tasks run on
 * several threads; a network is not thread-safe). Only the architecture matters: a task sets the parameters
 * (and optimizer state) it needs before using one. When more than {@value #MAX_KEYS} architectures have been seen,
 * the oldest one's idle networks are closed.
 */
final class ExecutorNetworks {
    private static final int MAX_KEYS = 2;
    private static final Map<String, Deque<Network>> IDLE = new LinkedHashMap<>();

    private ExecutorNetworks() {
    }

    /** An idle network of {@code spec}'s architecture, or a new one. Give it back with {@link #release}. */
    static Network borrow(NetworkSpec spec) {
        synchronized (IDLE) {
            Deque<Network> idle = IDLE.remove(spec.key());
            if (idle != null) {
                IDLE.put(spec.key(), idle); // most recently used last
                Network net = idle.poll();
                if (net != null) {
                    return net;
                }
            }
        }
        return spec.build();
    }

    /** Returns {@code net} to the idle networks of {@code spec}'s architecture. */
    static void release(NetworkSpec spec, Network net) {
        synchronized (IDLE) {
            IDLE.computeIfAbsent(spec.key(), k -> new ArrayDeque<>()).push(net);
            while (IDLE.size() > MAX_KEYS) {
                String oldest = IDLE.keySet().iterator().next();
                IDLE.remove(oldest).forEach(Network::close);
            }
        }
    }
}
