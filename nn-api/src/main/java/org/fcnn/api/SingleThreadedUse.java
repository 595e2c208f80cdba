// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Catches a second thread using an object that is not thread-safe ({@link Network}) while a first is inside
 * one of its methods: the second call fails fast with an {@link IllegalStateException} naming both threads,
 * before it touches anything, and the first call goes on undisturbed.
 *
 * <p>The check is exact: entering is one compare-and-set of the user thread (a few nanoseconds uncontended),
 * leaving a release store, so of two threads that enter at once exactly one gets in. Calls may nest on the
 * owning thread. A thread that leaves hands over with happens-before to the next that enters.
 *
 * <p>Call order: {@link #enter(String)}, then the method's work, then {@link #exit()} in a {@code finally}.
 */
final class SingleThreadedUse {
    private static final VarHandle USER;

    static {
        try {
            USER = MethodHandles.lookup().findVarHandle(SingleThreadedUse.class, "user", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String what;
    @SuppressWarnings("unused") // through USER
    private Thread user;
    private int depth; // only the user thread changes it

    /** @param what the object's name in messages, for example {@code "network 784-128-10"} */
    SingleThreadedUse(String what) {
        this.what = what;
    }

    /**
     * Marks the calling thread as inside {@code method}.
     *
     * @throws IllegalStateException if another thread is inside a method of the same object
     */
    void enter(String method) {
        Thread me = Thread.currentThread();
        Thread other = (Thread) USER.compareAndExchange(this, (Thread) null, me);
        if (other == null) {
            depth = 1;
            return;
        }
        if (other == me) {
            depth++;
            return;
        }
        throw new IllegalStateException(what + " is not thread-safe: " + method + " was called on thread '"
                + me.getName() + "' while thread '" + other.getName() + "' is using it; give each thread its"
                + " own network, or serve predictions from many threads through a Predictor");
    }

    /** Ends the call that the last {@link #enter(String)} of this thread began. */
    void exit() {
        if (--depth == 0) {
            USER.setRelease(this, null);
        }
    }
}
