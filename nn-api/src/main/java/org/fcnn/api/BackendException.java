// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/**
 * A backend failed to do what was asked: a device error, a kernel that did not build, memory that ran out.
 * The message names the backend, the operation (kernel) and the shapes involved; the cause, when there is
 * one, is the native library's own exception.
 *
 * <p>Bad arguments (wrong shapes, wrong array lengths, NaN) are reported as
 * {@link IllegalArgumentException} before any backend code runs, never as this exception.
 */
public class BackendException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
