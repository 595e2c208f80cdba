// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code fcnn} command line ({@link org.fcnn.examples.Main}): the tutorial demo, backend listing and
 * the general network. The only module that binds an SLF4J implementation.
 */
package org.fcnn.examples;
