// SPDX-License-Identifier: Apache-2.0
/**
 * Data-parallel training of fcnn networks on Apache Spark: {@link org.fcnn.spark.SparkTrainer} (the exact,
 * one-job-per-step mode, the local-steps mode, the barrier mode: exact, one barrier stage for the fit whose
 * tasks exchange gradient sums with {@code allGather}, and the barrier local-steps mode: the local-steps mode's
 * rounds in one barrier stage, the tasks averaging their states with {@code allGather}), the rows' validation and
 * packing per partition, and the executor side (networks kept per executor JVM, one task per partition and step,
 * round or barrier stage).
 */
package org.fcnn.spark;
