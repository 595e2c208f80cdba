// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fcnn.api.BackendInfo;
import org.fcnn.api.Backends;
import org.junit.jupiter.api.Test;

/** The {@code article} and {@code backends} commands, run as a user runs them, output checked. */
class CommandLineTest {

    /** Runs the command line, returning exit code and standard output. */
    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            rc = Main.run(args);
        } finally {
            System.setOut(saved);
        }
        return new Result(rc, out.toString(StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String out) {
    }

    @Test
    void articlePrintsTheTutorialsNumbersToTenDecimals() {
        Result r = run("article", "--backend", "cpu");
        assertEquals(0, r.exitCode(), r.out());
        for (String expected : List.of(
                "Y1         = 0.5932699921", "Y2         = 0.5968843783",
                "O1         = 0.7513650696", "O2         = 0.7729284653",
                "E          = 0.2983711088", "dE/dW2_11  = 0.0821670406",
                "W1_11      = 0.1497807161", "W1_12      = 0.1995614323",
                "W1_21      = 0.2497511436", "W1_22      = 0.2995022873",
                "W2_11      = 0.3589164797", "W2_12      = 0.4086661861",
                "W2_21      = 0.5113012702", "W2_22      = 0.5613701211",
                "step  1000: E = ", "step  9000: E = ",
                "O1         = 0.0159136204", "O2         = 0.9840642735", "(3.51018778298e-05)")) {
            assertTrue(r.out().contains(expected), "missing '" + expected + "' in:\n" + r.out());
        }
    }

    @Test
    void articleOnAnUnknownBackendFailsWithTheReason() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        Result r;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            r = run("article", "--backend", "tpu");
        } finally {
            System.setErr(saved);
        }
        assertNotEquals(0, r.exitCode());
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("unknown backend 'tpu'") && message.contains("cpu (available)"), message);
    }

    @Test
    void backendsListsEveryModuleOnTheClassPathAndTheSelection() {
        Result r = run("backends");
        assertEquals(0, r.exitCode(), r.out());
        List<String> names = Backends.list().stream().map(BackendInfo::name).toList();
        assertTrue(names.containsAll(List.of("cpu", "opencl", "cuda")), names.toString());
        for (BackendInfo info : Backends.diagnose()) {
            assertTrue(r.out().contains(info.name()) && r.out().contains(info.availability().detail()), r.out());
        }
        assertTrue(r.out().contains("selected: " + Backends.selected().name()), r.out());
        assertTrue(Backends.list().stream().anyMatch(i -> i.name().equals("cpu") && i.available()));
    }
}
