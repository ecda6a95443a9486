package dev.xpsr.train;

import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Training the tiny XPSR on degraded real photos: convergence, exact resume, checkpoints usable for inference. */
@ExtendWith(RestoresThreadCount.class)
class TrainerTest {
    @TempDir
    static Path tmp;
    static TrainingFixtures.Setup setup;

    @BeforeAll
    static void setUp() throws Exception {
        NativeStartup.ensureStarted(1);
        setup = TrainingFixtures.create(tmp.resolve("fixture"));
    }

    @Test
    void tinyXpsrLowersItsLossOnAFixedBatch() throws Exception {
        // a larger step than XPSR's 5e-5 so that 40 updates of random tiny weights move the loss measurably
        TrainConfig config = setup.config(tmp.resolve("unused"), Map.of("learning_rate", 1e-3));
        TrainingModels models = TrainingModels.load(config, config.xpsrModel());
        NativeStartup.ensureStarted(1); // loading resets the thread count to the core count
        PairedDataset data = PairedDataset.scan(config.trainDataDir());
        TrainingStep step = new TrainingStep(models, config.dfcWeight());
        AdamW adam = new AdamW(config.learningRate(), 0.9, 0.999, 1e-8, 1e-2);
        List<Double> losses = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        List<Double> cpuSeconds = new ArrayList<>();
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (PointerScope scope = new PointerScope()) {
            TrainingStep.Batch batch = TrainingStep.Batch.of(List.of(data.load(0, 1, config), data.load(1, 2, config)));
            Tensor latents = step.meanLatents(batch);
            Tensor noise = Torch.randn(Torch.generator(5), Torch.shape(latents));
            long[] t = {250, 600};
            for (int i = 0; i < 40; i++) {
                try (PointerScope s = new PointerScope()) {
                    long t0 = System.nanoTime();
                    long c0 = cpu.getCurrentThreadCpuTime();
                    for (Tensor p : models.trainable().values()) {
                        if (p.grad().defined()) {
                            p.grad().zero_();
                        }
                    }
                    LossTerms terms = step.forward(batch, latents, noise, t);
                    terms.total().backward();
                    GradientClipping.clip(models.trainable().values(), 1.0);
                    adam.step(models.trainable());
                    seconds.add((System.nanoTime() - t0) / 1e9);
                    cpuSeconds.add((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
                    losses.add(terms.total().item_double());
                }
            }
        }
        double first = mean(losses.subList(0, 10));
        double last = mean(losses.subList(30, 40));
        seconds.sort(Double::compare);
        cpuSeconds.sort(Double::compare);
        System.out.printf("tiny XPSR fixed batch of 2 at 64x64, 1 thread: loss %.5f -> %.5f; median step %.1f ms wall, "
                + "%.1f ms CPU%n", first, last, seconds.get(20) * 1e3, cpuSeconds.get(20) * 1e3);
        assertThat(last).isLessThan(first * 0.9);
    }

    @Test
    void resumedRunGivesTheLossesOfTheUninterruptedRun() throws Exception {
        Trainer.Summary whole = new Trainer(setup.config(tmp.resolve("whole"), Map.of("max_train_steps", 6,
                "checkpointing_steps", 3)), 1, Trainer.Listener.NONE).run(false);
        Path split = tmp.resolve("split");
        new Trainer(setup.config(split, Map.of("max_train_steps", 3, "checkpointing_steps", 3)), 1, Trainer.Listener.NONE)
                .run(false);
        Trainer.Summary resumed = new Trainer(setup.config(split, Map.of("max_train_steps", 6, "checkpointing_steps", 3)),
                1, Trainer.Listener.NONE).run(true);

        assertThat(resumed.firstStep()).isEqualTo(4);
        assertThat(resumed.rows()).hasSize(6);
        double maxDiff = 0;
        for (int i = 3; i < 6; i++) {
            Map<String, Double> a = whole.rows().get(i).terms();
            Map<String, Double> b = resumed.rows().get(i).terms();
            assertThat(b.keySet()).isEqualTo(a.keySet());
            long step = whole.rows().get(i).step();
            for (Map.Entry<String, Double> e : a.entrySet()) {
                assertThat(b.get(e.getKey())).as("step %d term %s", step, e.getKey())
                        .isCloseTo(e.getValue(), org.assertj.core.data.Offset.offset(1e-6));
                maxDiff = Math.max(maxDiff, Math.abs(b.get(e.getKey()) - e.getValue()));
            }
        }
        System.out.printf("resumed vs uninterrupted, steps 4-6: max loss-term difference %.3g%n", maxDiff);
        List<Double> s = new ArrayList<>(whole.stepSeconds());
        s.sort(Double::compare);
        System.out.printf("tiny XPSR, batch 1 x accumulation 2 at 64x64: median optimizer step %.1f ms%n",
                s.get(s.size() / 2) * 1e3);
        assertThat(Files.readAllLines(split.resolve("logs/train_log.csv"))).hasSize(7);
        assertThat(split.resolve("logs/loss.png")).isRegularFile();
    }

    @Test
    void checkpointLoadsIntoTheUpscalePipelineAndValidationWritesImages() throws Exception {
        Path valid = tmp.resolve("valid");
        Files.createDirectories(valid.resolve("LR"));
        Files.copy(setup.data().resolve("LR/skimage_chelsea.png"), valid.resolve("LR/chelsea.png"));
        Path out = tmp.resolve("with-validation");
        Trainer.Summary run = new Trainer(setup.config(out, Map.of("max_train_steps", 2, "valid_image_path",
                valid.toString(), "validation_steps", 2, "validation_inference_steps", 2, "validation_process_size", 64,
                "num_validation_images", 1)), 1, Trainer.Listener.NONE).run(false);

        assertThat(run.lastCheckpoint()).isEqualTo(out.resolve("checkpoint-2"));
        assertThat(Files.readString(out.resolve("latest")).trim()).isEqualTo("checkpoint-2");
        assertThat(out.resolve("validation/step-2/chelsea.png")).isRegularFile();
        XpsrModels models = XpsrModels.load(setup.models().sd15(), run.lastCheckpoint(), null);
        RgbImage lr = TrainingFixtures.shrink(dev.xpsr.io.ImageFiles.read(setup.data().resolve("LR/skimage_coffee.png")),
                16);
        XpsrPipeline pipeline = new XpsrPipeline(models);
        NativeStartup.ensureStarted(1); // the pipeline sets the core count
        RgbImage restored = pipeline.upscale(lr, Prompts.xpsr("a cup of coffee", "blurry"),
                UpscaleOptions.builder().steps(2).processSize(64).build(), XpsrPipeline.Observer.NONE).image();
        assertThat(restored.width()).isEqualTo(4 * lr.width());
        assertThat(restored.height()).isEqualTo(4 * lr.height());
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
