// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cpu;

/**
 * How many threads a backend's products use: the system property {@value #PROPERTY} (default: the number
 * of cores), and the thresholds below which a product stays on the calling thread.
 */
final class CpuThreads {
    /** System property: threads per product, at least 1; default {@code Runtime.availableProcessors()}. */
    static final String PROPERTY = "fcnn.cpu.threads";
    /** Products of at most this many multiply-adds ({@code m n k}) use the unpacked loops. */
    static final long SMALL_WORK = 1L << 12;
    /** Each thread gets at least this many multiply-adds, about 20 microseconds of work, or fewer threads run. */
    static final long WORK_PER_THREAD = 1L << 19;

    private final int count;
    private WorkerPool pool;

    CpuThreads(int count) {
        if (count < 1) {
            throw new IllegalArgumentException(PROPERTY + " must be at least 1, got " + count);
        }
        this.count = count;
    }

    /** The thread count from {@value #PROPERTY}, or the number of cores. */
    static CpuThreads fromProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return new CpuThreads(Runtime.getRuntime().availableProcessors());
        }
        try {
            return new CpuThreads(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be a whole number, got '" + value + "'", e);
        }
    }

    /**
     * {@code min(maxThreads, count)} threads: a backend asked to use at most {@code maxThreads}
     * ({@link org.fcnn.spi.BackendProvider#create(int)}) whose own count is {@code count}.
     *
     * @throws IllegalArgumentException if {@code maxThreads < 1}
     */
    static CpuThreads atMost(int maxThreads, int count) {
        if (maxThreads < 1) {
            throw new IllegalArgumentException("maxThreads must be at least 1, got " + maxThreads);
        }
        return new CpuThreads(Math.min(maxThreads, count));
    }

    int count() {
        return count;
    }

    /** Threads for a product of {@code work} multiply-adds that splits into at most {@code units} bands. */
    int partsFor(long work, int units) {
        long byWork = Math.max(1, work / WORK_PER_THREAD);
        return (int) Math.min(Math.min(count, units), byWork);
    }

    /** The shared pool, looked up on first use so that single-threaded backends start no threads. */
    WorkerPool pool() {
        if (pool == null) {
            pool = WorkerPool.atLeast(count);
        }
        return pool;
    }
}
