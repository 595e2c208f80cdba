// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive {@code target/fcnn-VERSION.zip} (made in the package phase, so this runs in
 * {@code integration-test} under Failsafe): it holds {@code bin/fcnn} (executable) and {@code lib/fcnn.jar}
 * under {@code fcnn-VERSION/}; unpacked with the permissions it stores, its launcher runs {@code backends} and
 * {@code article} with the Vector API kernels on, honours {@code JAVA_OPTS} and {@code JAVA_HOME}, and works
 * through a symbolic link.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DistributionIT {
    private static final String POSIX = "enablePosixFileAttributes";

    private Path dir;
    private Path home;

    @BeforeAll
    void unpack(@TempDir Path tempDir) throws IOException {
        dir = tempDir;
        Path zip = Path.of(System.getProperty("fcnn.distribution", "target/fcnn-" + System.getProperty("fcnn.version") + ".zip"));
        assertTrue(Files.isRegularFile(zip), "no distribution archive at " + zip.toAbsolutePath());
        String base = "fcnn-" + System.getProperty("fcnn.version");
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jar:" + zip.toUri()), Map.of(POSIX, true))) {
            Path root = fs.getPath("/");
            try (Stream<Path> top = Files.list(root)) {
                assertEquals(List.of(base), top.map(p -> p.getFileName().toString().replace("/", "")).toList(),
                        "one top directory named after the version");
            }
            List<Path> entries = new ArrayList<>();
            try (Stream<Path> all = Files.walk(root)) {
                all.filter(Files::isRegularFile).forEach(entries::add);
            }
            for (Path entry : entries) {
                Path out = dir.resolve(root.relativize(entry).toString());
                Files.createDirectories(out.getParent());
                Files.copy(entry, out);
                Files.setPosixFilePermissions(out, Files.getPosixFilePermissions(entry));
            }
            Set<PosixFilePermission> launcher = Files.getPosixFilePermissions(fs.getPath(base, "bin", "fcnn"));
            assertTrue(launcher.contains(PosixFilePermission.OWNER_EXECUTE)
                    && launcher.contains(PosixFilePermission.OTHERS_EXECUTE), "bin/fcnn is stored executable: " + launcher);
        }
        home = dir.resolve(base);
        for (String file : List.of("bin/fcnn", "lib/fcnn.jar", "LICENSE", "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file + " is in the archive");
        }
        assertTrue(Files.readString(home.resolve("LICENSE")).contains("Apache License"), "LICENSE holds the licence");
    }

    /** The launcher's exit status and its standard output and error together. */
    private record Run(int status, String output) {
    }

    private Run run(Path launcher, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("FCNN_BACKEND");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "bin/fcnn finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void backendsRunsWithTheVectorKernels() throws Exception {
        Run r = run(home.resolve("bin/fcnn"), Map.of(), "backends");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("NAME") && r.output().contains("selected:"), r.output());
        assertTrue(r.output().lines().anyMatch(l -> l.startsWith("cpu") && l.contains("available")
                && l.contains("Vector API")), "the launcher adds --add-modules jdk.incubator.vector:\n" + r.output());
    }

    @Test
    void articlePrintsTheTutorialsNumbers() throws Exception {
        Run r = run(home.resolve("bin/fcnn"), Map.of(), "article");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("E          = 0.2983711088"), r.output());
        assertTrue(r.output().contains("E          = 0.0000351019"), r.output());
    }

    @Test
    void javaOptsReachTheJvm() throws Exception {
        Run r = run(home.resolve("bin/fcnn"), Map.of("JAVA_OPTS", "-Dfcnn.cpu.vector=false -Dfcnn.unused=*"), "backends");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("plain-Java kernels (fcnn.cpu.vector=false)"), r.output());
    }

    @Test
    void aJavaHomeWithoutJavaIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-java"));
        Run r = run(home.resolve("bin/fcnn"), Map.of("JAVA_HOME", empty.toString()), "backends");
        assertNotEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("JAVA_HOME is set to '" + empty + "'"), r.output());
    }

    @Test
    void aSymbolicLinkToTheLauncherFindsTheJar() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("fcnn-link"), home.resolve("bin/fcnn"));
        Run r = run(link, Map.of(), "--help");
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("article") && r.output().contains("backends"), r.output());
    }
}
