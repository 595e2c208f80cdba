// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fcnn} command line: {@code java -jar fcnn.jar <command> [options]}. */
@Command(name = "fcnn", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Fully connected neural networks on pluggable backends (cpu, opencl, cuda).",
        subcommands = {
            ArticleCommand.class,
            BackendsCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            PredictCommand.class,
            ExportCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::reportError)
                .execute(args);
    }

    /**
     * Errors a user can act on (a backend that cannot run, a bad file or argument) are printed as one line
     * without a stack trace, for every command (see {@link Cli#fail}); anything else is a bug and keeps its
     * stack trace.
     */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        return Cli.fail(cmd.getCommandName(), e, cmd.getErr());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"fcnn " + (v == null ? "(development build)" : v)};
        }
    }
}
