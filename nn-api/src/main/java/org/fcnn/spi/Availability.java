// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import java.util.Objects;

/**
 * Whether a backend can run on this machine, as a value: when it can, a description of the device it
 * will use; when it cannot, the reason, in words a user can act on (for example
 * "no OpenCL platform found (is an ICD such as pocl-opencl-icd installed?)").
 *
 * @param available whether {@link BackendProvider#create()} will succeed
 * @param detail    the device description when available, otherwise the reason it is not
 */
public record Availability(boolean available, String detail) {

    public Availability {
        Objects.requireNonNull(detail, "detail");
    }

    /** The backend can run; {@code device} describes what it runs on (name, memory, driver...). */
    public static Availability available(String device) {
        return new Availability(true, device);
    }

    /** The backend cannot run, for {@code reason}. */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }

    /**
     * The backend cannot run because probing it threw {@code cause}; the reason names the throwable and the
     * first line of its message (native-library errors can carry whole stack traces in their messages).
     */
    public static Availability unavailable(String reason, Throwable cause) {
        String message = cause.getMessage();
        if (message != null) {
            message = message.strip();
            int eol = message.indexOf('\n');
            message = eol < 0 ? message : message.substring(0, eol).strip() + " ...";
        }
        String what = cause.getClass().getSimpleName() + (message == null || message.isEmpty() ? "" : ": " + message);
        return new Availability(false, reason + " (" + what + ")");
    }

    /** The reason the backend is unavailable, or empty text if it is available. */
    public String reason() {
        return available ? "" : detail;
    }
}
