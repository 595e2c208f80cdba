// SPDX-License-Identifier: Apache-2.0
/* CUDA C prelude for nn-opencl's nn_kernels.body, used only by nn-cuda/scripts/ptx.sh:
   nvcc -ptx -arch=compute_75 -x cu -include prelude_cuda.h -DREAL=float|double [-DUSE_FP64] nn_kernels.body */
#ifndef REAL
#define REAL float
#endif
#define KERNEL        extern "C" __global__ void
#define GLOBAL
#define LOCAL_ARRAY   __shared__
#define RESTRICT      __restrict__
#define DEVICE_FN     __device__ __forceinline__
#define BARRIER()     __syncthreads()
__device__ __forceinline__ int cu_tid(int d)  { return d == 0 ? threadIdx.x : d == 1 ? threadIdx.y : threadIdx.z; }
__device__ __forceinline__ int cu_bid(int d)  { return d == 0 ? blockIdx.x  : d == 1 ? blockIdx.y  : blockIdx.z; }
__device__ __forceinline__ int cu_bdim(int d) { return d == 0 ? blockDim.x  : d == 1 ? blockDim.y  : blockDim.z; }
#define GLOBAL_ID(d)  ((int)((unsigned int)cu_bid(d) * (unsigned int)cu_bdim(d) + (unsigned int)cu_tid(d)))
#define LOCAL_ID(d)   cu_tid(d)
#define GROUP_ID(d)   cu_bid(d)
