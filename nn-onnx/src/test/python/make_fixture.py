#!/usr/bin/env python3
"""Writes the PyTorch-exported ONNX fixtures that nn-onnx's TorchFixtureTest imports.

Run from anywhere with Debian's PyTorch (apt-get install python3-torch; torch 1.13 here, whose
TorchScript-based torch.onnx.export needs no other package):

    /usr/bin/python3 nn-onnx/src/test/python/make_fixture.py

For each model it writes, into nn-onnx/src/test/resources/org/fcnn/onnx/:
  NAME.onnx  the model, exported by torch.onnx.export (opset 13, a dynamic batch dimension "batch")
  NAME.csv   a header "x0,...,p0,..." then one row per sample: the inputs, then PyTorch's outputs for them,
             each value printed exactly (repr of the float32 or float64 value, which reads back to the same bits)

The models (fixed seeds, so a rerun writes the same numbers):
  torch-4-8-3-relu-softmax     float32: Linear(4, 8), ReLU, Linear(8, 3), Softmax(dim=-1)   -> Gemm nodes
  torch-5-6-4-2-tanh-sigmoid   float64: Linear(5, 6, bias=False), Tanh, Linear(6, 4), Sigmoid, Linear(4, 2)
  torch-3-5-2-matmul-add       float32: x @ W1 + b1, ReLU, x @ W2 + b2 (explicit parameters)   -> MatMul + Add nodes
"""
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "org", "fcnn", "onnx")


class MatMulAdd(torch.nn.Module):
    """A 3-5-2 ReLU network written with matmul and +, which the exporter keeps as MatMul and Add nodes."""

    def __init__(self):
        super().__init__()
        self.w1 = torch.nn.Parameter(torch.randn(3, 5) * 0.5)
        self.b1 = torch.nn.Parameter(torch.randn(5) * 0.1)
        self.w2 = torch.nn.Parameter(torch.randn(5, 2) * 0.5)
        self.b2 = torch.nn.Parameter(torch.randn(2) * 0.1)

    def forward(self, x):
        return torch.relu(torch.matmul(x, self.w1) + self.b1).matmul(self.w2) + self.b2


def export(name, model, inputs, samples, dtype):
    model = model.to(dtype).eval()
    x = (torch.rand(samples, inputs, dtype=dtype) * 2 - 1)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13)
    with open(os.path.join(OUT, name + ".csv"), "w") as f:
        header = ["x%d" % j for j in range(x.shape[1])] + ["p%d" % j for j in range(y.shape[1])]
        f.write(",".join(header) + "\n")
        for i in range(samples):
            # float() of a float32 value is exact; repr prints the shortest decimal that reads back to it.
            f.write(",".join(repr(float(v)) for v in list(x[i]) + list(y[i])) + "\n")
    print("wrote", path, "(torch", torch.__version__ + ")")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(12)
    export("torch-4-8-3-relu-softmax",
           torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3),
                               torch.nn.Softmax(dim=-1)),
           4, 16, torch.float32)
    torch.manual_seed(13)
    export("torch-5-6-4-2-tanh-sigmoid",
           torch.nn.Sequential(torch.nn.Linear(5, 6, bias=False), torch.nn.Tanh(), torch.nn.Linear(6, 4),
                               torch.nn.Sigmoid(), torch.nn.Linear(4, 2)),
           5, 16, torch.float64)
    torch.manual_seed(14)
    export("torch-3-5-2-matmul-add", MatMulAdd(), 3, 16, torch.float32)


if __name__ == "__main__":
    main()
