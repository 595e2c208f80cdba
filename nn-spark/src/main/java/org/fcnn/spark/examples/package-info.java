// SPDX-License-Identifier: Apache-2.0
/** The {@code fcnn-spark} demo: Fashion-MNIST with {@link org.fcnn.spark.ml.FcnnClassifier} on Spark, and its comparisons. */
package org.fcnn.spark.examples;
