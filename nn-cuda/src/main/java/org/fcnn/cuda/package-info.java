/** The {@code cuda} backend (work in progress). */
package org.fcnn.cuda;
