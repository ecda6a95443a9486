package dev.xpsr.train;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.prompt.PromptKind;
import dev.xpsr.prompt.PromptStore;
import dev.xpsr.scheduler.Sampler;
import dev.xpsr.torch.NativeStartup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Validation restorations during training ({@code train.py}'s {@code log_validation}): the first
 * {@code num_validation_images} LR images of {@code valid_image_path/LR/} (sorted), each with its prompts from the
 * folder's {@code highlevel_prompt/} and {@code lowlevel_prompt_q/}, restored by the inference pipeline with the
 * weights being trained (UniPC, as the reference's validation, with {@code validation_inference_steps} steps,
 * re-noising at {@code validation_added_noise_level}; without a low-level context when the run trains without
 * one), written to {@code <output_dir>/validation/step-<n>/}.
 */
final class Validator {
    private final TrainConfig config;
    private final List<Path> images;
    private final PromptStore prompts;

    Validator(TrainConfig config) throws IOException {
        this.config = config;
        Path root = config.validImagePath();
        Path lr = root.resolve("LR");
        if (!Files.isDirectory(lr)) {
            throw new TrainConfigException("key 'valid_image_path': " + root + " has no LR/ folder of images");
        }
        try (Stream<Path> s = Files.list(lr)) {
            this.images = s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                    .sorted().limit(config.numValidationImages()).toList();
        }
        if (images.isEmpty()) {
            throw new TrainConfigException("key 'valid_image_path': " + lr + " holds no image");
        }
        this.prompts = new PromptStore(root);
    }

    /** Restores the validation images with the current weights; returns the files written. */
    List<Path> run(TrainingModels models, long step, int threads, Consumer<String> warn) throws IOException {
        Path out = Files.createDirectories(config.outputDir().resolve("validation").resolve("step-" + step));
        XpsrPipeline pipeline = new XpsrPipeline(models.forInference());
        NativeStartup.ensureStarted(threads); // the pipeline sets the core count; keep the run's setting
        UpscaleOptions options = UpscaleOptions.builder().sampler(Sampler.UNIPC)
                .steps(config.validationInferenceSteps()).guidance(config.validationGuidanceScale())
                .addedNoiseLevel(config.validationAddedNoiseLevel()).processSize(config.validationProcessSize())
                .seed(config.seed()).useLowlevelPrompt(config.switches().usesLowlevelContext()).build();
        List<Path> written = new ArrayList<>();
        for (Path image : images) {
            String name = PromptStore.nameOf(image);
            try {
                RgbImage lr = ImageFiles.read(image);
                Prompts p = Prompts.xpsr(prompts.read(PromptKind.HIGH_LEVEL, name).orElse(""),
                        prompts.read(PromptKind.LOW_LEVEL, name).orElse(""));
                RgbImage restored = pipeline.upscale(lr, p, options, XpsrPipeline.Observer.NONE).image();
                Path file = out.resolve(name + ".png");
                ImageFiles.writePng(file, restored);
                written.add(file);
            } catch (ImageFileException e) {
                warn.accept("validation image skipped: " + e.getMessage());
            }
        }
        return written;
    }
}
