// SPDX-License-Identifier: Apache-2.0
/**
 * ONNX interchange: {@link org.fcnn.onnx.OnnxExport} writes a {@link org.fcnn.api.Network} as an ONNX model
 * (one {@code Gemm} and one activation node per dense layer, opset 13, FLOAT or DOUBLE, a symbolic
 * {@code batch} dimension, the architecture in {@code metadata_props}) that ONNX Runtime and other engines run;
 * {@link org.fcnn.onnx.OnnxImport} reads plain multi-layer perceptrons from ONNX files (fcnn's own, or those
 * {@code torch.onnx.export} writes for {@code nn.Linear} layers and activations) into an
 * {@link org.fcnn.onnx.OnnxModel}, which builds a network on any backend.
 *
 * <p>Typical use:
 * <pre>{@code
 * OnnxExport.write(network, Path.of("model.onnx"));                 // atomic, like ModelFile.save
 * try (Network copy = OnnxImport.read(Path.of("model.onnx")).network("cpu")) {
 *     copy.predict(inputs, n, outputs);                             // the same predictions as network's
 * }
 * }</pre>
 *
 * <p>Errors are {@link org.fcnn.io.ModelFileException}s whose message starts with the file:
 * {@link org.fcnn.onnx.OnnxFormatException} for files that are not valid ONNX models (garbage, truncated,
 * inconsistent tensors), {@link org.fcnn.onnx.UnsupportedOnnxModelException} for valid models outside what fcnn
 * builds, naming the first node ({@code node 'NAME' (OP_TYPE)}) or type it cannot take.
 *
 * <p>The ONNX protocol-buffer classes ({@code org.fcnn.onnx.proto}) are generated from ONNX's {@code onnx.proto}
 * at build time and are not part of this API.
 */
package org.fcnn.onnx;
