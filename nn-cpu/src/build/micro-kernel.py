# SPDX-License-Identifier: Apache-2.0
"""Writes out a float32 micro-kernel of the CPU backend's Vector API product (VectorFloatKernel<R>x<V>).

Usage: python3 nn-cpu/src/build/micro-kernel.py ROWS VECTORS > VectorFloatKernelROWSxVECTORS.java
The kernel keeps a ROWS x VECTORS tile of vectors in registers (see KernelShape); the float64 twin is made
from its output by the sed command in org/fcnn/cpu/package-info.java. The committed kernels are 6 4 and 6 2.
Each method is written out in full, without helpers or branches, so that C2 never boxes a vector in it.
"""
import sys
R, V = int(sys.argv[1]), int(sys.argv[2])
name = f"VectorFloatKernel{R}x{V}"
acc = lambda r, v: f"c{r}{v}"
o = []
w = o.append
regs = R*V + V + 1
w("// SPDX-License-Identifier: Apache-2.0\npackage org.fcnn.cpu;\n\nimport jdk.incubator.vector.FloatVector;\nimport jdk.incubator.vector.VectorSpecies;\n")
w("/**")
w(f" * The float32 micro-kernel with a {R} x {V} tile of vectors: {R*V} accumulators, {V} loads of B and one")
w(f" * broadcast of A per step, {regs} vector registers in all (see {{@link KernelShape}}). A comes packed ({{@code set}},")
w(" * {@code add}) or as rows read in place ({@code setRows}, {@code addRows}: the product skips packing A where few")
w(" * B panels reuse it). The methods call only")
w(" * Vector API methods and have no branch inside, so that C2 compiles them to pure vector code without boxing")
w(" * (see {@link VectorFloatGemm}).")
w(" * Written out by {@code python3 nn-cpu/src/build/micro-kernel.py " + " ".join(sys.argv[1:]) + "}; do not edit.")
w(" */")
w(f"final class {name} implements FloatMicroKernel {{")
w("    private static final VectorSpecies<Float> S = VectorShapes.floatSpecies();")
w("    private static final int L = S.length();")
w(f"    private static final int MR = {R};")
w(f"    private static final int NR = {V} * L;\n")
w("    @Override\n    public int rows() {\n        return MR;\n    }\n")
w("    @Override\n    public int columns() {\n        return NR;\n    }\n")
def step(indent, p):
    w(f"{indent}int ao = aOff + {p} * MR;")
    w(f"{indent}int bo = bOff + {p} * NR;")
    for v in range(V):
        w(f"{indent}FloatVector b{v} = FloatVector.fromArray(S, bp, bo + {v} * L);")
    for r in range(R):
        w(f"{indent}FloatVector a{r} = FloatVector.broadcast(S, ap[ao + {r}]);")
        for v in range(V):
            w(f"{indent}{acc(r,v)} = a{r}.fma(b{v}, {acc(r,v)});")
def body():
    if V <= 2:
        # The offsets themselves are the loop's induction variables: with p as the counter, C2 kept aOff on
        # the stack and rebuilt p * MR from shifts every step in the 16-register (AVX2) case. (With 32
        # registers the counted loop was as fast or faster, so the 6x4 kernel keeps it.)
        w("        for (int ao = aOff, bo = bOff, end = aOff + kc * MR; ao < end; ao += MR, bo += NR) {")
        for v in range(V):
            w(f"            FloatVector b{v} = FloatVector.fromArray(S, bp, bo + {v} * L);")
        for r in range(R):
            w(f"            FloatVector a{r} = FloatVector.broadcast(S, ap[ao + {r}]);")
            for v in range(V):
                w(f"            {acc(r,v)} = a{r}.fma(b{v}, {acc(r,v)});")
        w("        }")
        return
    # With 32 registers (6x4) the loop on a step counter was as fast or faster.
    w("        for (int p = 0; p < kc; p++) {")
    step("            ", "p")
    w("        }")
def rows_body():
    if V <= 2:
        # With 16 registers (AVX2) the loop runs on row 0's index, the other rows a constant lda away: with a
        # counter p and six row offsets, C2 kept the offsets in six registers and added each to p every step
        # (12 extra instructions per 12 FMAs). Paired in one JVM on an AMD EPYC Zen 3 (AVX2), the forward
        # product 256 x 784 x 128 ran 3-17% faster so.
        w("        for (int i = aOff, bo = bOff, end = aOff + kc; i < end; i++, bo += NR) {")
        for v in range(V):
            w(f"            FloatVector b{v} = FloatVector.fromArray(S, bp, bo + {v} * L);")
        for r in range(R):
            idx = "i" if r == 0 else f"i + {r} * lda"
            w(f"            FloatVector a{r} = FloatVector.broadcast(S, a[{idx}]);")
            for v in range(V):
                w(f"            {acc(r,v)} = a{r}.fma(b{v}, {acc(r,v)});")
        w("        }")
        return
    # A read in place, row by row: each row's start is loop-invariant and p steps through it with stride 1,
    # so C2 removes the range checks as it does for the packed panel.
    for r in range(R):
        w(f"        int a{r}o = aOff + {r} * lda;")
    w("        for (int p = 0, bo = bOff; p < kc; p++, bo += NR) {")
    for v in range(V):
        w(f"            FloatVector b{v} = FloatVector.fromArray(S, bp, bo + {v} * L);")
    for r in range(R):
        w(f"            FloatVector a{r} = FloatVector.broadcast(S, a[a{r}o + p]);")
        for v in range(V):
            w(f"            {acc(r,v)} = a{r}.fma(b{v}, {acc(r,v)});")
    w("        }")
def load_c():
    for r in range(R):
        w("        FloatVector " + ", ".join(f"{acc(r,v)} = FloatVector.fromArray(S, c, o{r} + {v} * L)" for v in range(V)) + ";")
def offs():
    for r in range(R):
        w(f"        int o{r} = cOff + {r} * ldc;")
def store():
    for r in range(R):
        for v in range(V):
            w(f"        {acc(r,v)}.intoArray(c, o{r} + {v} * L);")
def zero():
    w("        FloatVector z = FloatVector.zero(S);")
    for r in range(R):
        w("        FloatVector " + ", ".join(f"{acc(r,v)} = z" for v in range(V)) + ";")
def add_store():
    # With 16 registers the tile of C is added after the loop, not loaded into the accumulators before it:
    # loaded first, its six row offsets stayed live through the loop and C2 spilled a base register into a
    # vector register every step. Paired in one JVM on an AMD EPYC Zen 3 (AVX2), the kernel alone ran 53 ->
    # 66-72 GFLOP/s. (C + the block's sum instead of the sum continued from C: the same products, rounded
    # in another order.)
    for r in range(R):
        w(f"        int o{r} = cOff + {r} * ldc;")
    for r in range(R):
        for v in range(V):
            w(f"        {acc(r,v)}.add(FloatVector.fromArray(S, c, o{r} + {v} * L)).intoArray(c, o{r} + {v} * L);")
w(f"    /** {{@code C [MR x NR] = Ap panel [MR x kc] * Bp panel [kc x NR]}}. */")
w("    @Override")
w("    public void set(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {")
zero()
body()
offs()
store()
w("    }\n")
w(f"    /** {{@code C [MR x NR] += Ap panel [MR x kc] * Bp panel [kc x NR]}}. */")
w("    @Override")
w("    public void add(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] c, int cOff, int ldc) {")
if V <= 2:
    zero()
    body()
    add_store()
else:
    offs()
    load_c()
    body()
    store()
w("    }\n")
w(f"    /** {{@code C [MR x NR] = A rows [MR x kc] * Bp panel [kc x NR]}}, A's (r, p) at {{@code a[aOff + r * lda + p]}}. */")
w("    @Override")
w("    public void setRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc) {")
zero()
rows_body()
offs()
store()
w("    }\n")
w(f"    /** {{@code C [MR x NR] += A rows [MR x kc] * Bp panel [kc x NR]}}, A's (r, p) at {{@code a[aOff + r * lda + p]}}. */")
w("    @Override")
w("    public void addRows(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] c, int cOff, int ldc) {")
if V <= 2:
    zero()
    rows_body()
    add_store()
else:
    offs()
    load_c()
    rows_body()
    store()
w("    }")
w("}")
print("\n".join(o))
