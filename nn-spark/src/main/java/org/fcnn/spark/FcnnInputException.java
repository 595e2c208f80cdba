// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark;

/**
 * A training row that cannot be used as it is: a features vector of the wrong size, a null or non-finite feature,
 * a label that is null, not an integer or outside {@code 0..C-1}. The message names the column, the row (partition
 * and position in it), what was expected and what was found. Thrown before the first training step.
 */
public final class FcnnInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public FcnnInputException(String message) {
        super(message);
    }
}
