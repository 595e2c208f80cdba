// SPDX-License-Identifier: Apache-2.0
/**
 * Training data: the {@link org.fcnn.data.Dataset} type (features, targets, labels; seeded shuffles, splits,
 * subsets and the batch gather a training loop uses) and readers for the IDX files of MNIST and Fashion-MNIST
 * ({@link org.fcnn.data.IdxReader}, {@link org.fcnn.data.IdxDatasets}) and for numeric CSV tables
 * ({@link org.fcnn.data.CsvReader}).
 *
 * <p>Readers check a file against its own declared sizes and against its length before they allocate, and
 * report every problem as a {@link org.fcnn.data.DataFileException} naming the file and what is wrong.
 */
package org.fcnn.data;
