// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi.device;

/**
 * How a kernel call is split into groups of lanes (OpenCL: work-groups of work items; CUDA: blocks of
 * threads). Each shape gives its groups and lanes in two dimensions; a backend translates them (OpenCL's
 * global size is groups times lanes, CUDA's grid is the groups). The constants are the {@code #define}s of
 * {@code nn_kernels.body} that the kernels size their local arrays with; they must match it.
 */
public sealed interface Geometry {
    /** Lanes per group of the element-wise kernels ({@code ELEM_LANES} in the body). */
    int ELEM_LANES = 256;
    /** Lanes per group of {@code softmax}, {@code softmax_gradient}, {@code loss_partials} ({@code ROW_LANES}). */
    int ROW_LANES = 64;
    /** Columns per group, and lanes per column, of {@code column_sums} ({@code COL_LANES}). */
    int COL_LANES = 16;
    /** Rows and columns of C per {@code gemm} group ({@code GEMM_TS}). */
    int GEMM_TS = 64;
    /** Lanes per {@code gemm} group and dimension ({@code GEMM_THREADS}). */
    int GEMM_THREADS = 16;
    /** Most groups, and so partial sums, of one loss reduction (the host's choice; the body has no such define). */
    int LOSS_GROUPS = 256;

    /** Groups along x (at least 1). */
    int groupsX();

    /** Groups along y (at least 1). */
    default int groupsY() {
        return 1;
    }

    /** Lanes per group along x. */
    int lanesX();

    /** Lanes per group along y. */
    default int lanesY() {
        return 1;
    }

    /** 1 for the one-dimensional shapes, 2 for {@link ColumnTiles} and {@link GemmTiles} (lanes in y). */
    default int dimensions() {
        return lanesY() > 1 ? 2 : 1;
    }

    /** One lane per element of {@code n}, {@link #ELEM_LANES} per group; lanes past {@code n} do nothing. */
    record Elementwise(int n) implements Geometry {
        @Override
        public int groupsX() {
            return (int) (((long) n + ELEM_LANES - 1) / ELEM_LANES);
        }

        @Override
        public int lanesX() {
            return ELEM_LANES;
        }
    }

    /** {@code groups} groups of {@link #ROW_LANES} lanes: one per matrix row (softmax), or per partial sum (loss). */
    record Rows(int groups) implements Geometry {
        @Override
        public int groupsX() {
            return groups;
        }

        @Override
        public int lanesX() {
            return ROW_LANES;
        }
    }

    /** {@code ceil(cols / COL_LANES)} groups of {@link #COL_LANES} x {@link #COL_LANES} lanes (columns x row lanes). */
    record ColumnTiles(int cols) implements Geometry {
        @Override
        public int groupsX() {
            return (cols + COL_LANES - 1) / COL_LANES;
        }

        @Override
        public int lanesX() {
            return COL_LANES;
        }

        @Override
        public int lanesY() {
            return COL_LANES;
        }
    }

    /**
     * The tiles of {@code C [m x n]}: {@code ceil(n / GEMM_TS)} x {@code ceil(m / GEMM_TS)} groups of
     * {@link #GEMM_THREADS} x {@link #GEMM_THREADS} lanes. The call's last argument, {@code rowBlock0}, is the
     * first tile row; the composition passes 0 (all of them), and a backend whose grid is limited in y launches
     * the tile rows in parts, with {@link KernelCall#withFirstTileRow}.
     */
    record GemmTiles(int m, int n) implements Geometry {
        @Override
        public int groupsX() {
            return (int) (((long) n + GEMM_TS - 1) / GEMM_TS);
        }

        @Override
        public int groupsY() {
            return (int) (((long) m + GEMM_TS - 1) / GEMM_TS);
        }

        @Override
        public int lanesX() {
            return GEMM_THREADS;
        }

        @Override
        public int lanesY() {
            return GEMM_THREADS;
        }
    }
}
