// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.util.concurrent.Callable;
import org.fcnn.api.BackendInfo;
import org.fcnn.api.BackendUnavailableException;
import org.fcnn.api.Backends;
import picocli.CommandLine.Command;

/** {@code backends}: every discovered backend, whether it can run and why, and which one is chosen. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List every backend found on the class path, its device or why it cannot run, "
                + "and which one automatic selection picks.")
final class BackendsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.printf("%-8s %-8s %-12s %s%n", "NAME", "PRIORITY", "STATUS", "DEVICE / REASON");
        for (BackendInfo info : Backends.diagnose()) {
            System.out.printf("%-8s %-8d %-12s %s%n", info.name(), info.priority(),
                    info.available() ? "available" : "unavailable", info.availability().detail());
        }
        try {
            System.out.println();
            System.out.println("selected: " + Backends.selected().name()
                    + (System.getProperty(Backends.PROPERTY) != null || System.getenv(Backends.ENVIRONMENT) != null
                    ? " (requested by " + Backends.PROPERTY + " / " + Backends.ENVIRONMENT + ")"
                    : " (automatic: highest priority available)"));
            return 0;
        } catch (BackendUnavailableException e) {
            System.out.println("selected: none: " + e.getMessage());
            return 1;
        }
    }
}
