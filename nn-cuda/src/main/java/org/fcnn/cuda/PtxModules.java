// SPDX-License-Identifier: Apache-2.0
package org.fcnn.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.fcnn.api.BackendException;
import org.fcnn.api.Precision;
import org.fcnn.spi.device.ArgKind;

/**
 * The committed PTX of the kernels (one module per precision, compiled by {@code scripts/ptx.sh} from the
 * body shared with the OpenCL backend), read from this jar's resources, and the parameter list of every
 * kernel entry as the PTX declares it. The launcher checks each launch's arguments against that list,
 * because {@code cuLaunchKernel} itself checks nothing and a wrong argument crashes the JVM.
 */
final class PtxModules {
    static final String DIR = "/org/fcnn/cuda/kernels/";

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)\\s+\\w+");

    private PtxModules() {
    }

    static String resourceName(Precision precision) {
        return "nn_kernels_" + (precision == Precision.FLOAT64 ? "double" : "float") + ".ptx";
    }

    /** The PTX text for {@code precision}, NUL-terminated as {@code cuModuleLoadData} expects. */
    static byte[] ptx(Precision precision) {
        String name = DIR + resourceName(precision);
        try (InputStream in = PtxModules.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new BackendException("cuda: kernel module " + name + " is missing from the jar");
            }
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new BackendException("cuda: cannot read kernel module " + name, e);
        }
    }

    /** Every kernel entry of the module for {@code precision} with its parameter kinds, in order. */
    static Map<String, List<ArgKind>> signatures(Precision precision) {
        byte[] z = ptx(precision);
        return parse(new String(z, 0, z.length - 1, StandardCharsets.US_ASCII), precision);
    }

    static Map<String, List<ArgKind>> parse(String ptx, Precision precision) {
        String real = precision == Precision.FLOAT64 ? "f64" : "f32";
        Map<String, List<ArgKind>> out = new LinkedHashMap<>();
        Matcher e = ENTRY.matcher(ptx);
        while (e.find()) {
            List<ArgKind> params = new ArrayList<>();
            Matcher p = PARAM.matcher(e.group(2));
            while (p.find()) {
                String t = p.group(1);
                if (t.equals("u64")) {
                    params.add(ArgKind.BUFFER);
                } else if (t.equals("u32") || t.equals("s32")) {
                    params.add(ArgKind.INT);
                } else if (t.equals(real)) {
                    params.add(ArgKind.REAL);
                } else {
                    throw new BackendException("cuda: kernel " + e.group(1) + " has a parameter of PTX type ." + t
                            + " that the launcher does not know");
                }
            }
            out.put(e.group(1), Collections.unmodifiableList(params));
        }
        return Collections.unmodifiableMap(out);
    }
}
