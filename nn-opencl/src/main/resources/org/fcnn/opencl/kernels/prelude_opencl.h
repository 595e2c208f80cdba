// SPDX-License-Identifier: Apache-2.0
/* OpenCL C prelude for nn_kernels.body (OpenCL C 1.2). The host builds "prelude + body" with
   -D REAL=float, or -D REAL=double -D USE_FP64 on devices with cl_khr_fp64. */
#ifndef REAL
#define REAL float
#endif
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#define KERNEL        __kernel void
#define GLOBAL        __global
#define LOCAL_ARRAY   __local
#define RESTRICT      restrict
#define DEVICE_FN     inline
#define BARRIER()     barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d)  ((int)get_global_id(d))
#define LOCAL_ID(d)   ((int)get_local_id(d))
#define GROUP_ID(d)   ((int)get_group_id(d))
