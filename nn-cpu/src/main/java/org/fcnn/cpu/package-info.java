/**
 * The {@code cpu} backend: the reference implementation of the kernels in plain Java, on the heap, in
 * float64 and float32. Always available; the lowest priority, so device backends win when present.
 */
package org.fcnn.cpu;
