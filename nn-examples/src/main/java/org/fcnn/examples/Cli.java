// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.fcnn.api.BackendException;
import org.fcnn.api.BackendUnavailableException;

/** Shared command-line helpers: turning expected failures into one clear line and an exit code. */
final class Cli {
    private Cli() {
    }

    /**
     * Prints {@code "fcnn <command>: error: <message>"} for failures a user can fix (bad files, bad options,
     * unavailable backends) and returns exit code 1; anything else is rethrown (a bug, with its stack trace).
     * {@link Main} calls it for every command.
     */
    static int fail(String command, Exception e, PrintWriter err) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        String message;
        if (t instanceof NoSuchFileException n) {
            message = n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file");
        } else if (t instanceof AccessDeniedException a) {
            message = a.getFile() + ": permission denied";
        } else if (t instanceof IOException || t instanceof IllegalArgumentException
                || t instanceof IllegalStateException || t instanceof BackendUnavailableException
                || t instanceof BackendException) {
            message = t.getMessage();
        } else if (t instanceof RuntimeException r) {
            throw r;
        } else {
            throw new IllegalStateException(t);
        }
        err.println("fcnn " + command + ": error: " + message);
        err.flush();
        return 1;
    }
}
