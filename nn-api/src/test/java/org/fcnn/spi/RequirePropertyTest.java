// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** An unavailable backend's suite is skipped, unless {@code fcnn.require} names it: then it fails. */
class RequirePropertyTest {

    /** A suite over a backend that can never run here. */
    static class UnavailableBackendSuite extends BackendConformanceTest {
        @Override
        protected BackendProvider provider() {
            return new BackendProvider() {
                @Override
                public String name() {
                    return "imaginary";
                }

                @Override
                public int priority() {
                    return 99;
                }

                @Override
                public Availability availability() {
                    return Availability.unavailable("no imaginary device");
                }

                @Override
                public Backend create() {
                    throw new AssertionError("must not be created");
                }
            };
        }
    }

    private static TestExecutionSummary run() {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(UnavailableBackendSuite.class)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    @Test
    void unavailableSuiteIsSkippedUnlessRequired() {
        String saved = System.getProperty(BackendConformanceTest.REQUIRE_PROPERTY);
        try {
            System.setProperty(BackendConformanceTest.REQUIRE_PROPERTY, "cpu");
            TestExecutionSummary skipped = run();
            assertEquals(0, skipped.getTotalFailureCount(), "not required: no failure");
            assertEquals(0, skipped.getTestsSucceededCount(), "not required: nothing runs");
            assertTrue(skipped.getContainersSkippedCount() + skipped.getContainersAbortedCount() > 0, "it is skipped");

            System.setProperty(BackendConformanceTest.REQUIRE_PROPERTY, "cpu, imaginary");
            TestExecutionSummary failed = run();
            assertTrue(failed.getTotalFailureCount() > 0, "required: the suite fails");
            String message = failed.getFailures().get(0).getException().getMessage();
            assertTrue(message.contains("required") && message.contains("no imaginary device"), message);
        } finally {
            if (saved == null) {
                System.clearProperty(BackendConformanceTest.REQUIRE_PROPERTY);
            } else {
                System.setProperty(BackendConformanceTest.REQUIRE_PROPERTY, saved);
            }
        }
    }
}
