// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

import org.apache.spark.TaskContext;

/**
 * A test-only fault: with the Spark conf {@value #FAIL_TASK} set to {@code STEP:PARTITION}, the first attempt of
 * that partition's task in that step (exact and barrier modes) or round (local-steps mode) throws, so that tests
 * can show a retried task leaves the result unchanged. Unset in normal use.
 *
 * <p>"First attempt" is task attempt 0 of stage attempt 0: Spark retries a failed task of a normal stage within the
 * same stage attempt ({@code attemptNumber} 1, 2, ...), but reruns a failed barrier stage as a new stage attempt
 * whose tasks start again at {@code attemptNumber} 0 ({@code stageAttemptNumber} 1, 2, ...).
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
        if (ctx != null && ctx.attemptNumber() == 0 && ctx.stageAttemptNumber() == 0 && failTask.equals(step + ":" + partition)) {
            throw new IllegalStateException("test fault (" + FAIL_TASK + "=" + failTask + "): first attempt of step "
                    + step + ", partition " + partition);
        }
    }
}
