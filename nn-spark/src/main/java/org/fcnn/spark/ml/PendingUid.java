// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spark.ml;

/**
 * The uid of a Spark ML stage under construction. Spark's Scala parents create their params (featuresCol, ...) in
 * their constructors, which call {@code uid()} before a Java subclass has assigned its field; the subclass's
 * constructor stashes the uid here first (as an argument of its own {@code this(...)} call, evaluated before the
 * parent constructor runs) and {@code uid()} falls back to it until the field is set.
 */
final class PendingUid {
    private static final ThreadLocal<String> UID = new ThreadLocal<>();

    private PendingUid() {
    }

    static Void stash(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("a Spark ML uid must be a non-empty string");
        }
        UID.set(uid);
        return null;
    }

    static String get() {
        return UID.get();
    }

    static void clear() {
        UID.remove();
    }
}
