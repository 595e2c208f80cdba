package org.fcnn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.fcnn.api.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files survive the death of the process that writes them, and a full disk: a child JVM
 * ({@link SaveLoop}) saves a network over and over and is killed with SIGKILL at random moments; after
 * each kill the file must load and hold either the last version the child reported saved or the one it
 * was saving. A save onto a small tmpfs (mounted here when running as root on Linux, else skipped with
 * the reason) fails with an error naming the file, and leaves the previous file intact.
 */
class SaveSurvivesKillTest {
    private static final int KILLS = 50;
    private static final Pattern SAVED = Pattern.compile("saved (\\d+) ok");

    @TempDir
    Path dir;

    @Test
    void everyKillLeavesTheOldOrTheNewModelAndNothingElse() throws Exception {
        Path file = dir.resolve("model.safetensors");
        Random random = new Random(42);
        int next = 0;
        int sawOld = 0;
        int sawNew = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = startChild(file, next);
            AtomicInteger last = new AtomicInteger(-1);
            Thread reader = readAcks(child, last);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (last.get() < 0) {
                if (!child.isAlive() || System.nanoTime() > deadline) {
                    child.destroyForcibly();
                    fail("the child JVM saved nothing within 60 s (exit value "
                            + (child.isAlive() ? "none, killed" : String.valueOf(child.exitValue())) + ")");
                }
                Thread.sleep(1);
            }
            Thread.sleep(random.nextInt(40));
            child.destroyForcibly(); // SIGKILL on Linux and macOS
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(30));
            int acked = last.get();
            try (Network loaded = ModelFile.load(file, "cpu")) {
                int v = SaveLoop.versionOf(loaded, acked, acked + 1);
                assertNotEquals(-1, v, "kill " + kill + ": the file holds neither version " + acked
                        + " (reported saved) nor " + (acked + 1) + " (being saved)");
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
        try (Stream<Path> files = Files.list(dir)) {
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

    private static Process startChild(Path file, int start) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), SaveLoop.class.getName(), file.toString(),
                Integer.toString(start)));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Reads the child's {@code saved V ok} lines (a line cut off by the kill does not match) into {@code last}. */
    private static Thread readAcks(Process child, AtomicInteger last) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    Matcher m = SAVED.matcher(line.trim());
                    if (m.matches()) {
                        last.set(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // The child died; what was read stands.
            }
        }, "save-loop-acks");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
