// SPDX-License-Identifier: Apache-2.0
/**
 * Spark ML for fcnn: {@link org.fcnn.spark.ml.FcnnClassifier} (an Estimator) and
 * {@link org.fcnn.spark.ml.FcnnClassificationModel} (its Model), with Spark's column and persistence conventions.
 */
package org.fcnn.spark.ml;
