// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.fcnn.api.Network;
import org.fcnn.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: writes a saved model as an ONNX file that ONNX Runtime and other engines run. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a saved model as an ONNX model: one Gemm and one activation node per layer, opset "
                + OnnxExport.OPSET_VERSION + ", float32 or float64 as the model, input 'input' [batch, inputs] and "
                + "output 'output' [batch, outputs]; the architecture and the model's metadata (class names...) go "
                + "into metadata_props. The file is replaced atomically.",
                "The model may be a safetensors file of train --save or an ONNX file; the format is read from "
                        + "the file's first bytes, not its name."},
        footerHeading = "%nExample:%n",
        footer = "  fcnn export --model model.safetensors --onnx model.onnx")
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "FILE", required = true,
            description = "The model to export (safetensors or ONNX).")
    Path model;

    @Option(names = "--onnx", paramLabel = "FILE", required = true, description = "The ONNX file to write.")
    Path onnx;

    private final PrintStream out = System.out;

    /** Errors a user can fix propagate to {@link Main}, which prints them as one line. */
    @Override
    public Integer call() throws Exception {
        ModelSource source = ModelSource.read(model);
        // Exporting computes nothing: the CPU backend, always there, only holds the parameters.
        try (Network net = source.network("cpu")) {
            OnnxExport.write(net, onnx, source.extraMetadata());
            out.printf(Locale.ROOT, "exported %s (%s: %s, %s, %s) to %s: ONNX opset %d, input '%s' [batch, %d], "
                            + "output '%s' [batch, %d]%n", model, source.format(), TrainCommand.describe(net),
                    net.loss().id(), net.precision().name().toLowerCase(Locale.ROOT), onnx, OnnxExport.OPSET_VERSION,
                    OnnxExport.INPUT_NAME, net.inputSize(), OnnxExport.OUTPUT_NAME, net.outputSize());
        }
        return 0;
    }
}
