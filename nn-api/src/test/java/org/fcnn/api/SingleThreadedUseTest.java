// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The check behind {@link Network}'s concurrency contract, with the first thread held inside. */
class SingleThreadedUseTest {

    @Test
    void aSecondThreadIsRefusedWhileTheFirstIsInsideAndLetInAfterwards() throws Exception {
        SingleThreadedUse use = new SingleThreadedUse("a Network");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> holderFailure = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            try {
                use.enter("trainBatch");
                try {
                    use.enter("predict"); // nested on the same thread
                    use.exit();
                    inside.countDown();
                    release.await();
                } finally {
                    use.exit();
                }
            } catch (Throwable t) {
                holderFailure.set(t);
            }
        }, "holder");
        holder.start();
        inside.await();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> use.enter("close"));
        assertEquals("a Network is not thread-safe: close was called on thread '" + Thread.currentThread().getName()
                + "' while thread 'holder' is using it; give each thread its own network, or serve predictions"
                + " from many threads through a Predictor", e.getMessage());
        // the refused call left the holder's state alone: it is still inside after its nested call ended
        assertThrows(IllegalStateException.class, () -> use.enter("predict"));
        release.countDown();
        holder.join();
        assertEquals(null, holderFailure.get());
        use.enter("trainBatch"); // free again
        use.enter("predict");
        use.exit();
        use.exit();
        Thread other = new Thread(() -> {
            use.enter("step");
            use.exit();
        });
        AtomicReference<Throwable> otherFailure = new AtomicReference<>();
        other.setUncaughtExceptionHandler((t, x) -> otherFailure.set(x));
        other.start();
        other.join();
        assertTrue(otherFailure.get() == null, () -> "free after the last exit: " + otherFailure.get());
    }
}
