// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

/** The kind of one kernel parameter, as the body declares it. */
public enum ArgKind {
    /** {@code GLOBAL REAL*}: a device buffer of the call's precision (a pointer in CUDA, a {@code cl_mem} in OpenCL). */
    BUFFER,
    /** {@code const int}: a 32-bit signed integer. */
    INT,
    /** {@code const REAL}: a scalar of the call's precision ({@code float} or {@code double}). */
    REAL
}
