package dev.xpsr.spark.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spark-submit} entry point of xpsr-spark: {@code upscale}, {@code degrade}, {@code eval} and
 * {@code bench}. The Spark settings (master, executors, memory) come from {@code spark-submit} or, when run with
 * {@code java}, from {@code -Dspark.*} system properties.
 */
@Command(name = "xpsr-spark", mixinStandardHelpOptions = true,
        description = "XPSR restoration, training-pair synthesis and evaluation as Spark jobs.",
        subcommands = {UpscaleCommand.class, DegradeCommand.class, EvalCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class XpsrSpark implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line, ready to execute. */
    static CommandLine commandLine() {
        return new CommandLine(new XpsrSpark()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(XpsrSpark::reportFailure);
    }

    /** A failure outside a per-image error (bad option value, unloadable model): one clear line, exit code 2. */
    private static int reportFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println(cmd.getCommandName() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                : e.getMessage()));
        if (Boolean.getBoolean("xpsr.debug")) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }

    /**
     * The application's session: whatever {@code spark-submit} configured, with Spark's own logging at WARN on the
     * driver and the executors unless {@code spark.log.level} says otherwise.
     */
    static SparkSession session(String job) {
        SparkConf conf = new SparkConf();
        SparkSession.Builder b = SparkSession.builder().appName("xpsr-spark " + job);
        if (!conf.contains("spark.log.level")) {
            b.config("spark.log.level", "WARN");
        }
        if (!conf.contains("spark.executor.syncLogLevel.enabled")) {
            b.config("spark.executor.syncLogLevel.enabled", "true");
        }
        return b.getOrCreate();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
