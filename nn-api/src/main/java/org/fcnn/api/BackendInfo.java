// SPDX-License-Identifier: Apache-2.0
package org.fcnn.api;

import org.fcnn.spi.Availability;
import org.fcnn.spi.BackendProvider;

/**
 * One discovered backend: its provider's name and priority and whether it can run here (with the device
 * it would use, or the reason it cannot).
 *
 * @param name         the backend's name, as used with {@code fcnn.backend}
 * @param priority     higher wins automatic selection
 * @param availability available with a device description, or unavailable with a reason
 * @param provider     the provider, to {@link BackendProvider#create() create} the backend
 */
public record BackendInfo(String name, int priority, Availability availability, BackendProvider provider) {

    public boolean available() {
        return availability.available();
    }

    @Override
    public String toString() {
        return name + " (priority " + priority + "): "
                + (available() ? "available, " + availability.detail() : "unavailable, " + availability.detail());
    }
}
