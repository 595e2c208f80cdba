// SPDX-License-Identifier: Apache-2.0
package org.fcnn.train;

/** A schedule with a name for logs and {@code toString()}. */
final class NamedSchedule implements LearningRateSchedule {
    private final String name;
    private final LearningRateSchedule schedule;

    NamedSchedule(String name, LearningRateSchedule schedule) {
        this.name = name;
        this.schedule = schedule;
    }

    @Override
    public double learningRate(int epoch, int epochs, double baseRate) {
        return schedule.learningRate(epoch, epochs, baseRate);
    }

    @Override
    public String toString() {
        return name;
    }
}
