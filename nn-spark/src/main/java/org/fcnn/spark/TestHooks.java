// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.apache.spark.TaskContext;

/**
 * A test-only fault: with the Spark conf {@value #FAIL_TASK} set to {@code STEP:PARTITION}, the first attempt of
 * that partition's task in that step (exact mode) or round (local-steps mode) throws, so that tests can show a
 * retried task leaves the result unchanged. Unset in normal use.
 */
public final class TestHooks {
    /** The Spark conf key of the fault: {@code STEP:PARTITION}. */
    public static final String FAIL_TASK = "spark.fcnn.test.failTask";

    private TestHooks() {
    }

    static void maybeFail(String failTask, long step, int partition) {
        if (failTask == null || failTask.isEmpty()) {
            return;
        }
        TaskContext ctx = TaskContext.get();
        if (ctx != null && ctx.attemptNumber() == 0 && failTask.equals(step + ":" + partition)) {
            throw new IllegalStateException("test fault (" + FAIL_TASK + "=" + failTask + "): first attempt of step "
                    + step + ", partition " + partition);
        }
    }
}
