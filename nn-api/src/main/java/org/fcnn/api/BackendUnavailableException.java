// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

/**
 * The backend that was asked for cannot be used: it is not on the class path, or it cannot run on this
 * machine. The message says which backend and why, and lists the backends that were found.
 */
public class BackendUnavailableException extends BackendException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }
}
