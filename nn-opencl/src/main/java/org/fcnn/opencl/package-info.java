/** The {@code opencl} backend (work in progress). */
package org.fcnn.opencl;
