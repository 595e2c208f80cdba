// SPDX-License-Identifier: Apache-2.0
package org.fcnn.opencl;

import org.fcnn.api.BackendInfo;
import org.fcnn.api.BackendUnavailableException;
import org.fcnn.api.Backends;

/**
 * The child JVM of {@link OpenClSelfTestTest}: prints what backend selection made of opencl, one
 * {@code key=value} line each, under the system properties the test starts it with.
 */
public final class SelfTestMain {
    private SelfTestMain() {
    }

    public static void main(String[] args) {
        for (BackendInfo info : Backends.list()) {
            System.out.println("list." + info.name() + "=" + info.available() + " " + info.availability().detail());
        }
        try {
            System.out.println("selected=" + Backends.selected().name());
        } catch (BackendUnavailableException e) {
            System.out.println("selected=none: " + e.getMessage());
        }
        try (var backend = Backends.open("opencl")) {
            System.out.println("forced=opened " + backend.name());
        } catch (BackendUnavailableException e) {
            System.out.println("forced=" + e.getMessage());
        }
    }
}
