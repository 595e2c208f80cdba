// SPDX-License-Identifier: Apache-2.0
/**
 * Data-parallel training of fcnn networks on Apache Spark: {@link org.fcnn.spark.SparkTrainer} (the exact,
 * one-job-per-step mode and the local-steps mode), the rows' validation and packing per partition, and the
 * executor side (networks kept per executor JVM, one task per partition and step or round).
 */
package org.fcnn.spark;
