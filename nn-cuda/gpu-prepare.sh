#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds .device/ (ignored by git) at the repository root: everything nn-cuda/gpu-check.sh needs to run the
# CUDA checks on a machine with an NVIDIA GPU but no network and no Maven.
#
#   .device/jre/          a jlink'ed Java runtime (java.base, java.logging, java.management, jdk.unsupported, and
#                         java.xml, which the JUnit console launcher needs for its XML reports)
#   .device/lib/          runtime and test jars: nn-api (+ its test-jar, the conformance suite), nn-cpu, nn-opencl,
#                         nn-cuda, nn-examples, JCuda + its linux-x86_64 natives, JOCL, SLF4J, picocli
#                         (JUnit itself comes only from the console launcher, so no engine is found twice)
#   .device/test-classes/ the compiled tests of nn-cuda and nn-opencl
#   .device/junit-platform-console-standalone-1.14.1.jar
#
# Usage: sh nn-cuda/gpu-prepare.sh        (MVN_FLAGS defaults to -o; set MVN_FLAGS= to let Maven download)
# About 55 MB; carry it with the working tree (e.g. the run tool's carry: [".device"]).
set -eu

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
dev="$root/.device"
mvn_flags=${MVN_FLAGS--o}
console=junit-platform-console-standalone-1.14.1.jar

rm -rf "$dev"
mkdir -p "$dev/lib" "$dev/test-classes"

echo "gpu-prepare: jlink -> .device/jre"
jlink --add-modules java.base,java.logging,java.management,jdk.unsupported,java.xml \
      --strip-debug --no-header-files --no-man-pages --compress=2 --output "$dev/jre"

echo "gpu-prepare: mvn package + dependency:copy-dependencies -> .device/lib"
# One reactor invocation, so that nn-api and its test-jar resolve to this worktree's build, never ~/.m2.
# shellcheck disable=SC2086
mvn -q $mvn_flags -f "$root/pom.xml" package -DskipTests \
    dependency:copy-dependencies -pl nn-cuda,nn-opencl,nn-examples -am \
    -DincludeScope=test -DexcludeClassifiers=windows-x86_64 \
    -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian \
    -DoutputDirectory="$dev/lib"
cp "$root"/nn-examples/target/nn-examples-*-SNAPSHOT.jar "$dev/lib/" 2>/dev/null \
    || cp "$root"/nn-examples/target/nn-examples-[0-9]*[0-9].jar "$dev/lib/"
rm -f "$dev"/lib/*-sources.jar "$dev"/lib/*-javadoc.jar
mkdir -p "$dev/test-classes/cuda" "$dev/test-classes/opencl"
cp -R "$root/nn-cuda/target/test-classes/." "$dev/test-classes/cuda/"
cp -R "$root/nn-opencl/target/test-classes/." "$dev/test-classes/opencl/"

echo "gpu-prepare: $console -> .device/"
# shellcheck disable=SC2086
mvn -q $mvn_flags dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
    -DoutputDirectory="$dev" 2>/dev/null \
  || mvn -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 \
    -DoutputDirectory="$dev"

echo "gpu-prepare: done: $(du -sh "$dev" | cut -f1) in .device/; on the GPU machine run: bash nn-cuda/gpu-check.sh"
