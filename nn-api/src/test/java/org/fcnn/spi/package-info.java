// SPDX-License-Identifier: Apache-2.0
/** The backend conformance suite ({@link org.fcnn.spi.BackendConformanceTest}) and its reference kernels. */
package org.fcnn.spi;
