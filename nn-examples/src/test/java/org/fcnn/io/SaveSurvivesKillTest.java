// SPDX-License-Identifier: Apache-2.0
package org.fcnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcnn.api.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files survive the death of the process that writes them, and a full disk: a child JVM
 * ({@link SaveLoop}) saves a network over and over, reporting each completed save in a file, and is killed
 * with SIGKILL at random moments; after each kill the model file must load and hold either the last
 * version the child reported saved or the one it was saving. A save onto a small tmpfs (mounted here when running as root on Linux, else skipped with
 * the reason) fails with an error naming the file, and leaves the previous file intact.
 */
class SaveSurvivesKillTest {
    private static final int KILLS = 50;
    private static final Pattern SAVED = Pattern.compile("saved (\\d+) ok");

    @TempDir
    Path dir;

    @Test
    void everyKillLeavesTheOldOrTheNewModelAndNothingElse() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Path file = models.resolve("model.safetensors");
        Random random = new Random(42);
        int next = 0;
        int sawOld = 0;
        int sawNew = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            int started = next;
            // The child's reports go straight to a file, which keeps every line written before the kill (read
            // through a pipe, the last lines could be lost when the JDK drains the pipe of a dead process).
            Path log = dir.resolve("child-" + kill + ".out");
            Process child = startChild(file, next, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (lastSaved(log) < 0) {
                if (!child.isAlive() || System.nanoTime() > deadline) {
                    child.destroyForcibly();
                    fail("the child JVM saved nothing within 60 s (exit value "
                            + (child.isAlive() ? "none, killed" : String.valueOf(child.exitValue())) + ")");
                }
                Thread.sleep(1);
            }
            Thread.sleep(random.nextInt(40));
            child.destroyForcibly(); // SIGKILL on Linux and macOS
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            int acked = lastSaved(log);
            try (Network loaded = ModelFile.load(file, "cpu")) {
                int v = SaveLoop.versionOf(loaded, acked, acked + 1);
                assertNotEquals(-1, v, "kill " + kill + " (child started at version " + started
                        + "): the file holds neither version " + acked + " (reported saved) nor " + (acked + 1)
                        + " (being saved); " + SaveLoop.layerVersions(loaded, started - 3, acked + 3));
                if (v == acked) {
                    sawOld++;
                } else {
                    sawNew++;
                }
            }
            next = acked + 2;
        }
        assertEquals(KILLS, sawOld + sawNew);
        // Only the model and temporary files of killed saves, in the documented form, are left.
        String prefix = "." + file.getFileName() + ".";
        int leftovers = 0;
        try (Stream<Path> files = Files.list(models)) {
            for (Path p : files.collect(Collectors.toList())) {
                String name = p.getFileName().toString();
                assertTrue(name.equals("model.safetensors") || SafeTensors.isTemporaryName(name, prefix),
                        "unexpected file left: " + name);
                leftovers += name.equals("model.safetensors") ? 0 : 1;
            }
        }
        System.out.printf("%d kills: %d left the version last reported saved, %d the one being saved; "
                + "%d killed mid-write (temporary file left)%n", KILLS, sawOld, sawNew, leftovers);
    }

    @Test
    void aSaveOntoAFullDiskFailsClearlyAndKeepsThePreviousFile() throws Exception {
        assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "mounting a tmpfs needs Linux");
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path disk = Files.createDirectories(dir.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        String mountOutput = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(mount.waitFor() == 0, "could not mount a 64 KiB tmpfs here: " + mountOutput.trim());
        try {
            Path file = disk.resolve("m.safetensors");
            double[] before;
            try (Network small = ModelFileTest.small(org.fcnn.api.Precision.FLOAT32)) {
                ModelFile.save(small, file);
                before = small.layer(0).weights();
            }
            try (Network big = SaveLoop.model()) { // some 77 KB of weights: more than the disk holds
                IOException e = assertThrows(IOException.class, () -> ModelFile.save(big, file));
                assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("unchanged")
                        && e.getMessage().contains("No space left"), e.getMessage());
            }
            try (Network loaded = ModelFile.load(file, "cpu")) {
                assertEquals(3, loaded.inputSize(), "the previous model is still there");
                assertTrue(java.util.Arrays.equals(before, loaded.layer(0).weights()));
            }
            try (Stream<Path> files = Files.list(disk)) {
                List<String> names = files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
                assertEquals(List.of("m.safetensors"), names, "no temporary file is left behind");
            }
        } finally {
            new ProcessBuilder("umount", disk.toString()).redirectErrorStream(true).start().waitFor();
        }
    }

    private static Process startChild(Path file, int start, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), SaveLoop.class.getName(), file.toString(),
                Integer.toString(start)));
        return new ProcessBuilder(command).redirectOutput(log.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** The last version the child reported in {@code log} ({@code saved V ok}; a line cut off by the kill does not count), or -1. */
    private static int lastSaved(Path log) throws IOException {
        int last = -1;
        String text = Files.exists(log) ? Files.readString(log, StandardCharsets.US_ASCII) : "";
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) { // the last piece has no newline: empty, or cut off
            Matcher m = SAVED.matcher(lines[i]);
            if (m.matches()) {
                last = Integer.parseInt(m.group(1));
            }
        }
        return last;
    }
}
