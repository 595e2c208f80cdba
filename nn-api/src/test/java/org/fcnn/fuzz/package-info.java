// SPDX-License-Identifier: Apache-2.0
/**
 * What the fuzz tests of the readers share ({@code *FuzzTest} in {@code org.fcnn.data} and {@code org.fcnn.io}):
 * the rule for what counts as a finding ({@link org.fcnn.fuzz.FuzzTarget#readOrReject}) and scratch files for
 * the fuzzed bytes ({@link org.fcnn.fuzz.FuzzTarget#scratch}).
 */
package org.fcnn.fuzz;
