package dev.xpsr.cli;

import dev.xpsr.train.NonFiniteLossException;
import dev.xpsr.train.TrainConfig;
import dev.xpsr.train.TrainConfigException;
import dev.xpsr.train.Trainer;
import dev.xpsr.train.TrainingLog;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code xpsr train --config FILE}: XPSR training ({@link Trainer}) with a progress bar showing the losses.
 * Exit code 0 when the run reached {@code max_train_steps}, 1 when a loss became NaN/Inf (the step and term are
 * named; the last checkpoint is intact), 2 for a bad config or options.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:trained to max_train_steps", "1:a loss term became NaN or infinite (named)",
                "2:invalid config or options"},
        description = {"Train XPSR's ControlNet and the UNet's pixel attentions on LR/HR pairs made by "
                + "'xpsr degrade' (train.py: eps-MSE + 0.05 x Degradation-Free losses, AdamW, gradient clipping).",
                "The config is YAML or JSON with the keys of XPSR's configs/xpsr.yaml; see docs/TRAINING.md.",
                "Checkpoints (diffusers controlnet/ and unet/ folders plus optimizer state) go to "
                        + "output_dir/checkpoint-<step>/, written atomically; output_dir/latest names the newest."})
public final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Training config (.yaml, .yml "
            + "or .json).")
    Path config;

    @Option(names = "--resume", description = "Continue the run in output_dir from its latest checkpoint.")
    boolean resume;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainConfig c;
        try {
            c = TrainConfig.read(config);
        } catch (TrainConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        int nThreads = threads.start(1);
        out.printf("training up to step %d: batch %d x accumulation %d, lr %s, mixed precision %s, on %s%n",
                c.maxTrainSteps(), c.trainBatchSize(), c.gradientAccumulationSteps(), c.learningRate(),
                c.mixedPrecision(), c.device());
        out.flush();
        List<String> messages = new ArrayList<>();
        DelegatingProgressBarConsumer console = new DelegatingProgressBarConsumer(line -> {
            err.print('\r' + line);
            err.flush();
        }, 100);
        Trainer.Summary summary;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("steps").setInitialMax(c.maxTrainSteps())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(console).setUpdateIntervalMillis(500).build()) {
            summary = new Trainer(c, nThreads, listener(bar, messages)).run(resume);
        } catch (NonFiniteLossException e) {
            err.println();
            messages.forEach(err::println);
            err.println("train: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println(); // the error goes on a line of its own, not after the progress bar
            throw e;
        }
        err.println();
        messages.forEach(out::println);
        out.printf(Locale.ROOT, "trained steps %d..%d; %d pair(s) skipped; last checkpoint %s; logs in %s%n",
                summary.firstStep(), summary.lastStep(), summary.skippedPairs(), summary.lastCheckpoint(),
                c.outputDir().resolve("logs"));
        return 0;
    }

    /** Steps the bar and keeps messages to print after it (a bar line and a message would overwrite each other). */
    private static Trainer.Listener listener(ProgressBar bar, List<String> messages) {
        return new Trainer.Listener() {
            @Override
            public void onStep(long step, long maxSteps, TrainingLog.Row row) {
                bar.stepTo(step);
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f mse %.4f dfc %.4f",
                        row.terms().get("loss"), row.terms().get("mse"), row.terms().get("dfc")));
            }

            @Override
            public void onMessage(String message) {
                messages.add(message);
            }
        };
    }
}
