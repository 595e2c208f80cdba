// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.fcnn.spi.Availability;
import org.fcnn.spi.Backend;
import org.fcnn.spi.BackendProvider;
import org.junit.jupiter.api.Test;

/** Discovery and selection, over providers made up for the test. */
class BackendRegistryTest {

    private static BackendProvider provider(String name, int priority, Availability availability) {
        return new BackendProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int priority() {
                return priority;
            }

            @Override
            public Availability availability() {
                return availability;
            }

            @Override
            public Backend create() {
                throw new UnsupportedOperationException("not needed by these tests");
            }
        };
    }

    private static BackendProvider throwing(String name, Throwable t) {
        return new BackendProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int priority() {
                return 50;
            }

            @Override
            public Availability availability() {
                if (t instanceof RuntimeException) {
                    throw (RuntimeException) t;
                }
                throw (Error) t;
            }

            @Override
            public Backend create() {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static final List<BackendProvider> PROVIDERS = List.of(
            provider("cpu", 0, Availability.available("test cpu")),
            provider("fast", 20, Availability.available("test device")),
            provider("gpu", 30, Availability.unavailable("no GPU driver (libcuda.so.1 not found)")),
            throwing("native", new UnsatisfiedLinkError("libnative.so: cannot open shared object file")),
            throwing("buggy", new IllegalStateException("probe bug")));

    private static BackendRegistry registry(Map<String, String> settings) {
        return new BackendRegistry(PROVIDERS, List.of(), settings::get);
    }

    @Test
    void listsEveryProviderByPriorityWithItsReason() {
        List<BackendInfo> list = registry(Map.of()).list();
        assertEquals(List.of("buggy", "native", "gpu", "fast", "cpu"), list.stream().map(BackendInfo::name).toList());
        BackendInfo nativeInfo = list.get(1);
        assertFalse(nativeInfo.available());
        assertTrue(nativeInfo.availability().reason().contains("UnsatisfiedLinkError")
                && nativeInfo.availability().reason().contains("libnative.so"), nativeInfo.toString());
        assertTrue(list.get(0).availability().reason().contains("probe bug"));
        assertEquals("no GPU driver (libcuda.so.1 not found)", list.get(2).availability().reason());
    }

    @Test
    void aMultiLineCauseIsCutToItsFirstLine() {
        Availability a = Availability.unavailable("could not load the driver",
                new UnsatisfiedLinkError("libcuda.so.1: cannot open\n\tat some.Frame(Native)\n\tat other.Frame"));
        assertEquals("could not load the driver (UnsatisfiedLinkError: libcuda.so.1: cannot open ...)", a.reason());
    }

    @Test
    void automaticSelectionPicksTheHighestPriorityAvailableBackend() {
        assertEquals("fast", registry(Map.of()).select().name());
        assertEquals("fast", registry(Map.of(Backends.PROPERTY, "auto")).select().name());
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironmentVariable() {
        assertEquals("cpu", registry(Map.of(Backends.PROPERTY, "cpu", Backends.ENVIRONMENT, "fast")).select().name());
        assertEquals("fast", registry(Map.of(Backends.ENVIRONMENT, "FAST")).select().name());
    }

    @Test
    void forcingAnUnavailableBackendFailsWithItsReason() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> registry(Map.of(Backends.PROPERTY, "gpu")).select());
        assertTrue(e.getMessage().contains("'gpu' is unavailable: no GPU driver (libcuda.so.1 not found)"), e.getMessage());
    }

    @Test
    void forcingAnUnknownBackendFailsAndListsWhatWasFound() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> registry(Map.of(Backends.ENVIRONMENT, "tpu")).select());
        assertTrue(e.getMessage().contains("unknown backend 'tpu'"), e.getMessage());
        assertTrue(e.getMessage().contains("cpu (available)") && e.getMessage().contains("fast (available)"),
                e.getMessage());
    }

    @Test
    void noAvailableBackendIsAClearError() {
        BackendRegistry none = new BackendRegistry(
                List.of(provider("gpu", 30, Availability.unavailable("no device"))), List.of(), k -> null);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, none::select);
        assertTrue(e.getMessage().contains("no fcnn backend is available") && e.getMessage().contains("no device"),
                e.getMessage());
        BackendRegistry empty = new BackendRegistry(List.of(), List.of(), k -> null);
        assertTrue(assertThrows(BackendUnavailableException.class, empty::select).getMessage()
                .contains("No backend was found on the class path"));
    }
}
