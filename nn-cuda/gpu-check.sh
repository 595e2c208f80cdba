#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the CUDA checks on a machine with an NVIDIA GPU, without network or Maven, from the .device/ folder that
# nn-cuda/gpu-prepare.sh built (a jlink'ed Java runtime and the jars), and writes a short report.
#
#   bash nn-cuda/gpu-check.sh [REPORT_DIR]      (default: $OUT if set, else .device/report)
#
# Steps, each with a time limit, none stopping the others:
#   1. nvidia-smi, and the 'backends' listing
#   2. the CUDA conformance suite (org.fcnn.cuda.CudaConformanceTest, -Dfcnn.require=cuda, so it cannot skip)
#      and the CUDA module tests, with the JUnit console launcher
#   3. 'article --backend cuda', compared line by line with 'article --backend cpu' (10 decimals)
#   4. 'bench --backend cuda', if this build has a bench command
#   5. the OpenCL suite too, if the machine has an OpenCL driver (NVIDIA ships one): skipped otherwise
# Exit status: 0 when steps 2 and 3 passed.
set -u

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
dev=${FCNN_DEVICE_DIR:-$root/.device}
report_dir=${1:-${OUT:-$dev/report}}
java="$dev/jre/bin/java"
console="$dev/junit-platform-console-standalone-1.14.1.jar"
mkdir -p "$report_dir"
report="$report_dir/gpu-report.md"

if [ ! -x "$java" ] || [ ! -f "$console" ] || [ ! -d "$dev/lib" ]; then
  echo "gpu-check: $dev is incomplete; run 'sh nn-cuda/gpu-prepare.sh' on the build machine first" | tee "$report"
  exit 2
fi
limit() { # seconds, command...
  if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi
}
# The fat jar when it is there (a full build), else the same classes from .device/lib.
if [ -f "$root/nn-examples/target/fcnn.jar" ]; then
  fcnn=("$java" -jar "$root/nn-examples/target/fcnn.jar")
  how="java -jar nn-examples/target/fcnn.jar"
else
  fcnn=("$java" -cp "$dev/lib/*" org.fcnn.examples.Main)
  how="java -cp '.device/lib/*' org.fcnn.examples.Main"
fi

{
  echo "# fcnn GPU check"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), host: $(uname -n), java: $("$java" -version 2>&1 | head -1)"
  echo "- commit: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- demo run as: $how"
  echo
} > "$report"

echo "== nvidia-smi" > "$report_dir/nvidia-smi.txt"
limit 30 nvidia-smi >> "$report_dir/nvidia-smi.txt" 2>&1
echo "## GPU" >> "$report"
grep -E "Driver Version|NVIDIA H|NVIDIA A|Tesla|GeForce|RTX" "$report_dir/nvidia-smi.txt" | head -4 | sed 's/^/    /' >> "$report"

limit 120 "${fcnn[@]}" backends > "$report_dir/backends.txt" 2>&1
echo "## backends" >> "$report"
sed 's/^/    /' "$report_dir/backends.txt" >> "$report"

run_suite() { # name, classes dir, class...
  name=$1; classes=$2; shift 2
  selects=()
  for c in "$@"; do selects+=(--select-class "$c"); done
  limit 420 "$java" -Dfcnn.require="$name" -cp "$console:$classes:$dev/lib/*" \
      org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary \
      --details-theme=ascii --reports-dir "$report_dir/junit-$name" "${selects[@]}" \
      > "$report_dir/conformance-$name.txt" 2>&1
}

echo "## CUDA conformance suite" >> "$report"
run_suite cuda "$dev/test-classes/cuda" org.fcnn.cuda.CudaConformanceTest org.fcnn.cuda.CudaBackendTest
suite_rc=$?
echo "exit status $suite_rc" >> "$report"
grep -E "tests (successful|failed|aborted|skipped|found)|containers failed" "$report_dir/conformance-cuda.txt" \
  | sed 's/^/    /' >> "$report"
grep -E "MethodSource|=> |Exception" "$report_dir/conformance-cuda.txt" | head -40 | sed 's/^/    /' >> "$report"

echo "## article --backend cuda vs cpu" >> "$report"
limit 300 "${fcnn[@]}" article --backend cuda > "$report_dir/article-cuda.txt" 2>&1
article_rc=$?
limit 300 "${fcnn[@]}" article --backend cpu > "$report_dir/article-cpu.txt" 2>&1
grep -v '^backend:' "$report_dir/article-cuda.txt" | grep -v '^\[' > "$report_dir/article-cuda.cmp"
grep -v '^backend:' "$report_dir/article-cpu.txt" | grep -v '^\[' > "$report_dir/article-cpu.cmp"
head -1 "$report_dir/article-cuda.txt" | sed 's/^/    /' >> "$report"
if [ $article_rc -eq 0 ] && cmp -s "$report_dir/article-cuda.cmp" "$report_dir/article-cpu.cmp"; then
  echo "article: cuda output equals cpu output to the printed 10 decimals" >> "$report"
else
  [ $article_rc -eq 0 ] && article_rc=1
  echo "article: DIFFERS from cpu (exit status $article_rc):" >> "$report"
  diff "$report_dir/article-cpu.cmp" "$report_dir/article-cuda.cmp" | head -12 | sed 's/^/    /' >> "$report"
fi

echo "## bench" >> "$report"
if limit 60 "${fcnn[@]}" --help 2>&1 | grep -qE '^[[:space:]]+bench([[:space:]]|$)'; then
  limit 300 "${fcnn[@]}" bench --backend cuda > "$report_dir/bench-cuda.txt" 2>&1
  echo "exit status $?" >> "$report"
  tail -25 "$report_dir/bench-cuda.txt" | sed 's/^/    /' >> "$report"
else
  echo "no bench command in this build" >> "$report"
fi

echo "## OpenCL suite (if an OpenCL driver is present)" >> "$report"
if grep -q '^opencl .*  available' "$report_dir/backends.txt"; then
  run_suite opencl "$dev/test-classes/opencl" org.fcnn.opencl.OpenClConformanceTest org.fcnn.opencl.OpenClBackendTest
  echo "exit status $?" >> "$report"
  grep -E "tests (successful|failed|aborted|skipped|found)" "$report_dir/conformance-opencl.txt" | sed 's/^/    /' >> "$report"
else
  echo "opencl unavailable here (see backends)" >> "$report"
fi

status=0
[ $suite_rc -eq 0 ] || status=1
[ $article_rc -eq 0 ] || status=1
echo >> "$report"
echo "RESULT: $([ $status -eq 0 ] && echo PASS || echo FAIL) (suite $suite_rc, article $article_rc)" >> "$report"
cat "$report"
exit $status
