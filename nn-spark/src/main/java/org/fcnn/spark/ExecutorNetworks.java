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
 *
 * <p>A network built here runs on at most as many host threads as Spark gives the task cores
 * ({@code spark.task.cpus}, {@code TaskContext.cpus()}; default 1): the tasks of an executor already run one per
 * core, and a backend that also split each product between all the cores would have the tasks' threads compete for
 * them (on 2 cores, two tasks' 128-row Fashion-MNIST steps took 1.5 ms each with 2 threads per product, 1.2 ms with
 * one). Outside a task (on the driver), the backend's own count.
 */
final class ExecutorNetworks {
    private static final int MAX_KEYS = 2;
    private static final Map<String, Deque<Network>> IDLE = new LinkedHashMap<>();

    private ExecutorNetworks() {
    }

    /** An idle network of {@code spec}'s architecture, or a new one. Give it back with {@link #release}. */
    static Network borrow(NetworkSpec spec) {
        int threads = taskCpus();
        String key = key(spec, threads);
        synchronized (IDLE) {
            Deque<Network> idle = IDLE.remove(key);
            if (idle != null) {
                IDLE.put(key, idle); // most recently used last
                Network net = idle.poll();
                if (net != null) {
                    return net;
                }
            }
        }
        return spec.build(threads);
    }

    /** The cores Spark gives the calling task, or 0 outside a task. */
    static int taskCpus() {
        org.apache.spark.TaskContext ctx = org.apache.spark.TaskContext.get();
        return ctx == null ? 0 : Math.max(1, ctx.cpus());
    }

    private static String key(NetworkSpec spec, int threads) {
        return spec.key() + " threads " + threads;
    }

    /** Returns {@code net} to the idle networks of {@code spec}'s architecture. */
    static void release(NetworkSpec spec, Network net) {
        String key = key(spec, taskCpus());
        synchronized (IDLE) {
            IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(net);
            while (IDLE.size() > MAX_KEYS) {
                String oldest = IDLE.keySet().iterator().next();
                IDLE.remove(oldest).forEach(Network::close);
            }
        }
    }
}
