package dev.xpsr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code xpsr} command line: one subcommand per job. */
@Command(name = "xpsr", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "XPSR diffusion super-resolution on the JVM.",
        subcommands = {UpscaleCommand.class, CaptionCommand.class, DegradeCommand.class, TrainCommand.class,
                EvalCommand.class, BenchmarkQualityCommand.class, BenchCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::reportFailure).execute(args);
    }

    /** A failure outside a per-file error (bad option value, unloadable model): one clear line, exit code 2. */
    private static int reportFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println(cmd.getCommandName() + ": " + msg);
        if (Boolean.getBoolean("xpsr.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"xpsr " + (v == null ? "development build" : v)};
        }
    }
}
