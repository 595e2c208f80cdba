// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The window protocol of {@code bench --paired}: what a driver such as {@code nn-bench/paired.py} reads. */
class PairedWindowsTest {

    private static String serve(String input, List<Long> asked) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PairedWindows.serve(new BufferedReader(new StringReader(input)), out, "GFLOP/s", nanos -> {
            asked.add(nanos);
            return 1.5 * asked.size();
        });
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void answersEachWindowLineWithTheWorkloadsRateAfterReady() throws IOException {
        List<Long> asked = new ArrayList<>();
        String out = serve("300\n\n 50 \n", asked);
        assertEquals(List.of(300_000_000L, 50_000_000L), asked, "window lengths in ns, blank lines skipped");
        assertEquals(String.join(System.lineSeparator(), "READY", "WINDOW 1.5000 GFLOP/s", "WINDOW 3.0000 GFLOP/s", ""),
                out);
    }

    @Test
    void aLineThatIsNotAWindowLengthIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> serve("300\nquit\n", new ArrayList<>()));
        assertTrue(e.getMessage().contains("'quit'"), e.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> serve("0\n", new ArrayList<>()));
        assertTrue(zero.getMessage().contains("at least 1 ms, found 0"), zero.getMessage());
    }

    @Test
    void pairedNeedsExactlyOneWorkload() {
        CommandLineTest.Result both = CommandLineTest.run("bench", "--paired", "--gemm", "64", "--precision", "float32",
                "--fmnist");
        assertTrue(both.exitCode() != 0, both.out());
        CommandLineTest.Result twoSizes = CommandLineTest.run("bench", "--paired", "--gemm", "64,128");
        assertTrue(twoSizes.exitCode() != 0, twoSizes.out());
    }
}
