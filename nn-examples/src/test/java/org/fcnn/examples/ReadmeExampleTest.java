// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, taken from README.md as it is, compiled and run. */
class ReadmeExampleTest {

    @Test
    void readmeEmbeddingExampleCompilesRunsAndLearnsXor(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("<!-- readme-example:start -->\\s*```java\\n(.*?)```\\s*<!-- readme-example:end -->",
                Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has the marked example");
        String source = m.group(1);
        Path file = dir.resolve("XorExample.java");
        Files.writeString(file, source);

        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", dir.toString(), "-cp", classPath, file.toString());
        assertEquals(0, rc, "javac: " + diagnostics.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            loader.loadClass("XorExample").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        String printed = out.toString(StandardCharsets.UTF_8).trim();
        Matcher result = Pattern.compile("XOR on (\\w+): ([\\d.]+) ([\\d.]+) ([\\d.]+) ([\\d.]+)").matcher(printed);
        assertTrue(result.find(), printed);
        double[] expected = {0, 1, 1, 0};
        for (int i = 0; i < 4; i++) {
            double v = Double.parseDouble(result.group(i + 2));
            assertEquals(expected[i], v, 0.1, "XOR output " + i + " in: " + printed);
        }
        assertTrue(List.of("cpu", "opencl", "cuda").contains(result.group(1).toLowerCase(Locale.ROOT)), printed);
    }
}
