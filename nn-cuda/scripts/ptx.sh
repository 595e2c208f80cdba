#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates the CUDA kernels' PTX from the ONE kernel body shared with the OpenCL backend.
#
#   nn-cuda/scripts/ptx.sh write   regenerate and store the PTX under src/main/resources (commit the result)
#   nn-cuda/scripts/ptx.sh check   regenerate into target/ptx-gen and fail if the committed PTX is stale
#
# Sources:  ../nn-opencl/src/main/resources/org/fcnn/opencl/kernels/nn_kernels.body  (the shared body)
#           src/main/cuda/prelude_cuda.h                                           (the CUDA C prelude)
# Output:   src/main/resources/org/fcnn/cuda/kernels/nn_kernels_{float,double}.ptx (compute_75, loaded with
#           cuModuleLoadData at run time, so users need only the NVIDIA driver, never nvcc)
#
# Both modes also assemble the PTX with ptxas for sm_75 and sm_90, so a kernel that does not assemble fails
# here and not on a user's GPU. The comparison ignores '//' comment lines (nvcc's version banner), so only a
# change in the code itself counts as stale. Needs nvcc (CUDA 13: compute_75 is the lowest target) and a
# host gcc; CUDA_HOME defaults to /usr/local/cuda. The Maven profile 'cuda-kernels' runs 'check' whenever
# /usr/local/cuda/bin/nvcc exists.
set -eu

mode=${1:-check}
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)          # nn-cuda
body="$here/../nn-opencl/src/main/resources/org/fcnn/opencl/kernels/nn_kernels.body"
prelude="$here/src/main/cuda/prelude_cuda.h"
committed="$here/src/main/resources/org/fcnn/cuda/kernels"
gen="$here/target/ptx-gen"
cuda=${CUDA_HOME:-/usr/local/cuda}
nvcc="$cuda/bin/nvcc"
ptxas="$cuda/bin/ptxas"
arch=compute_75

case "$mode" in
  check|write) ;;
  *) echo "usage: $0 check|write" >&2; exit 2 ;;
esac
for f in "$body" "$prelude"; do
  [ -f "$f" ] || { echo "ptx.sh: missing $f" >&2; exit 1; }
done
[ -x "$nvcc" ] || { echo "ptx.sh: $nvcc not found (set CUDA_HOME)" >&2; exit 1; }

mkdir -p "$gen"
for precision in float double; do
  extra=
  [ "$precision" = double ] && extra=-DUSE_FP64
  out="$gen/nn_kernels_$precision.ptx"
  "$nvcc" -ptx -arch=$arch -x cu -include "$prelude" -DREAL=$precision $extra "$body" -o "$out"
  for sm in sm_75 sm_90; do
    "$ptxas" -arch=$sm "$out" -o "$gen/nn_kernels_${precision}_$sm.cubin"
  done
done

status=0
for precision in float double; do
  name=nn_kernels_$precision.ptx
  if [ "$mode" = write ]; then
    mkdir -p "$committed"
    cp "$gen/$name" "$committed/$name"
    echo "ptx.sh: wrote src/main/resources/org/fcnn/cuda/kernels/$name"
  elif [ ! -f "$committed/$name" ]; then
    echo "STALE PTX: src/main/resources/org/fcnn/cuda/kernels/$name is missing" >&2
    status=1
  elif ! { grep -v '^[[:space:]]*//' "$gen/$name" > "$gen/$name.code"
           grep -v '^[[:space:]]*//' "$committed/$name" > "$gen/$name.committed-code"
           cmp -s "$gen/$name.code" "$gen/$name.committed-code"; }; then
    echo "STALE PTX: src/main/resources/org/fcnn/cuda/kernels/$name does not match nn_kernels.body + prelude_cuda.h" >&2
    status=1
  else
    echo "ptx.sh: $name up to date (ptxas sm_75 and sm_90 OK)"
  fi
done
if [ $status -ne 0 ]; then
  echo "The kernel body or the CUDA prelude changed: run 'sh nn-cuda/scripts/ptx.sh write' and commit the PTX." >&2
fi
exit $status
