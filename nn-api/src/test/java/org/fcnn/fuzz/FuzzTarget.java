// SPDX-License-Identifier: Apache-2.0
package org.fcnn.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The rule every fuzz target of the readers applies to one input: the reader either returns, or rejects the input
 * with one of the exception types its Javadoc documents, within {@link #TIME_LIMIT_MILLIS}. Anything else is a
 * finding and fails the fuzz test: another exception (a {@code NumberFormatException}, an
 * {@code ArithmeticException}, an {@code IOException} that is not the reader's own type), an {@code Error} such as
 * {@link OutOfMemoryError} or {@link StackOverflowError}, or a call that takes longer than the limit.
 *
 * <p>The call runs on a worker thread so that the limit holds even for a call that never returns: after
 * {@link #TIME_LIMIT_MILLIS} the target fails with an {@link AssertionError} whose stack trace is the worker's at
 * that moment (where the reader was looping), and the stuck worker is abandoned (a daemon thread).
 */
public final class FuzzTarget {
    /** The longest one call of a reader may take on one fuzz input. */
    public static final long TIME_LIMIT_MILLIS = 1000;

    private static final AtomicReference<Thread> WORKER_THREAD = new AtomicReference<>();
    private static ExecutorService worker = newWorker();
    private static Path scratchDir;

    private FuzzTarget() {
    }

    /**
     * Calls {@code reader} under the time limit.
     *
     * @param documented the exception types with which the reader promises to reject bad input
     * @return the reader's result, or {@code null} if it threw one of the {@code documented} types (with a
     *         message; a rejection without one also fails)
     * @throws Exception     whatever else the reader threw, as it was thrown: a finding
     * @throws Error         whatever error it threw ({@link OutOfMemoryError}...): a finding
     * @throws AssertionError if it took longer than {@link #TIME_LIMIT_MILLIS}: a finding
     */
    @SafeVarargs
    public static <T> T readOrReject(Callable<T> reader, Class<? extends Exception>... documented) throws Exception {
        Future<T> call = worker.submit(reader);
        try {
            return call.get(TIME_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            Thread stuck = WORKER_THREAD.get();
            AssertionError slow = new AssertionError("the reader took more than " + TIME_LIMIT_MILLIS
                    + " ms on this input (stack trace: where it was then)");
            if (stuck != null) {
                slow.setStackTrace(stuck.getStackTrace());
            }
            call.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            throw slow;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            for (Class<? extends Exception> type : documented) {
                if (type.isInstance(cause)) {
                    String message = cause.getMessage();
                    if (message == null || message.isBlank()) {
                        throw new AssertionError("a rejection without a message", cause);
                    }
                    return null;
                }
            }
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * A file called {@code name} in a scratch directory of this JVM (in {@code /dev/shm} where it exists, so that
     * the fuzzer's many small writes stay in memory), for writing the fuzzed bytes to; removed when the JVM ends.
     */
    public static synchronized Path scratch(String name) {
        if (scratchDir == null) {
            try {
                Path shm = Path.of("/dev/shm");
                scratchDir = Files.isDirectory(shm) && Files.isWritable(shm)
                        ? Files.createTempDirectory(shm, "fcnn-fuzz") : Files.createTempDirectory("fcnn-fuzz");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path dir = scratchDir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        }
        return scratchDir.resolve(name);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort at exit.
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-target");
            t.setDaemon(true);
            WORKER_THREAD.set(t);
            return t;
        });
    }
}
