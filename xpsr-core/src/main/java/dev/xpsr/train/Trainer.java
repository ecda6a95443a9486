package dev.xpsr.train;

import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Placement;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * XPSR training ({@code train.py}): for each optimizer step, {@code gradient_accumulation_steps} micro-batches of
 * {@code train_batch_size} samples each go forward ({@link TrainingStep}) and backward with the loss divided by the
 * accumulation count (as {@code accelerator.backward}); then the gradients are clipped to total norm
 * {@code max_grad_norm} and AdamW updates the trainable parameters. Each step's losses are logged; a checkpoint
 * is written every {@code checkpointing_steps} and at the end; validation images every {@code validation_steps}.
 *
 * <p>Every random draw is seeded by its position (step, micro-batch, sample), so {@link #run} with
 * {@code resume} continues from the latest checkpoint exactly as the uninterrupted run would have. A NaN or
 * infinite loss term stops training with a {@link NonFiniteLossException} naming the step and the term; the
 * checkpoints already written are left as they are.
 *
 * <p>Mixed precision: {@code bf16} runs the forward pass under libtorch's autocast in bfloat16 (CPU or CUDA) with
 * the frozen text encoder and VAE stored in bfloat16, as {@code train.py} casts them; {@code fp16} (CUDA only)
 * does the same in float16 with dynamic loss scaling ({@link LossScaler}). Trainable weights, gradients and the
 * optimizer state stay float32.
 */
public final class Trainer {
    /** Observes a run (progress bar, log lines). */
    public interface Listener {
        /** After each optimizer step. */
        void onStep(long step, long maxSteps, TrainingLog.Row row);

        /** A line worth showing (skipped files, checkpoints, validation). */
        void onMessage(String message);

        Listener NONE = new Listener() {
            @Override
            public void onStep(long step, long maxSteps, TrainingLog.Row row) {
            }

            @Override
            public void onMessage(String message) {
            }
        };
    }

    /**
     * What a run did.
     *
     * @param stepSeconds wall time of each optimizer step of this run (forward, backward, update; not checkpoints)
     */
    public record Summary(long firstStep, long lastStep, int skippedPairs, List<Double> stepSeconds,
                          Path lastCheckpoint, List<TrainingLog.Row> rows) {
    }

    private final TrainConfig config;
    private final int threads;
    private final Listener listener;

    /**
     * @param threads ATen intra-op threads; set again after model loading and validation, which reset it
     */
    public Trainer(TrainConfig config, int threads, Listener listener) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.config = config;
        this.threads = threads;
        this.listener = listener;
    }

    /**
     * Trains up to {@code max_train_steps}.
     *
     * @param resume continue from the checkpoint {@code <output_dir>/latest} names; without it, the output folder
     *               must not hold a run already
     */
    public Summary run(boolean resume) throws IOException {
        NativeStartup.ensureStarted(threads);
        if (config.mixedPrecision().equals("fp16") && !config.placement().isCuda()) {
            throw new TrainConfigException("key 'mixed_precision': fp16 training needs device cuda (loss scaling "
                    + "guards fp16 gradients on GPUs); on the CPU use bf16 or no");
        }
        Path out = config.outputDir();
        TrainingCheckpoint.removeLeftovers(out);
        Path latest = TrainingCheckpoint.latest(out);
        if (resume && latest == null) {
            throw new IllegalStateException("--resume: " + out + " holds no checkpoint ('" + TrainingCheckpoint.LATEST
                    + "' is missing)");
        }
        if (!resume && latest != null) {
            throw new IllegalStateException(out + " already holds a run (latest: " + latest.getFileName()
                    + "); pass --resume to continue it or choose another output_dir");
        }
        TrainingCheckpoint.State start = resume ? TrainingCheckpoint.readState(latest) : fresh();
        checkSignature(start, latest);
        // data and validation folders are checked before the (slow) model loading
        PairedDataset data = PairedDataset.scan(config.trainDataDir());
        Validator validator = config.validImagePath() == null ? null : new Validator(config);
        TrainingModels models = TrainingModels.load(config, resume ? latest : config.xpsrModel());
        listener.onMessage("ControlNet: " + models.controlNet.layout().describe());
        AdamW optimizer = new AdamW(config.learningRate(), config.adamBeta1(), config.adamBeta2(),
                config.adamEpsilon(), config.adamWeightDecay());
        if (resume) {
            TrainingCheckpoint.readOptimizer(latest, optimizer, start.optimizerSteps(), models.trainable());
            listener.onMessage("resuming from " + latest + " at step " + start.step());
        }
        NativeStartup.ensureStarted(threads);
        return loop(models, optimizer, start, data, validator);
    }

    private Summary loop(TrainingModels models, AdamW optimizer, TrainingCheckpoint.State start, PairedDataset data,
                         Validator validator) throws IOException {
        if (data.missingLr() > 0) {
            listener.onMessage(data.missingLr() + " HR image(s) without an LR file left out");
        }
        SampleStream stream = new SampleStream(data, config, start.samplePosition(), listener::onMessage);
        TrainingLog log = new TrainingLog(config.outputDir(), start.step());
        LossScaler scaler = config.mixedPrecision().equals("fp16")
                ? new LossScaler(start.lossScale(), start.cleanSteps()) : null;
        TrainingStep forward = new TrainingStep(models, config.switches());
        List<Double> seconds = new ArrayList<>();
        Path checkpoint = null;
        long step = start.step();
        try {
            while (step < config.maxTrainSteps()) {
                step++;
                long t0 = System.nanoTime();
                TrainingLog.Row row = optimizerStep(step, models, optimizer, forward, stream, scaler);
                seconds.add((System.nanoTime() - t0) / 1e9);
                log.append(row);
                listener.onStep(step, config.maxTrainSteps(), row);
                if (step % config.checkpointingSteps() == 0 || step == config.maxTrainSteps()) {
                    checkpoint = TrainingCheckpoint.write(config.outputDir(), models, optimizer,
                            state(step, optimizer, stream, scaler), config.checkpointsTotalLimit());
                    listener.onMessage("saved " + checkpoint);
                    log.plot();
                }
                if (validator != null && step % config.validationSteps() == 0) {
                    validate(validator, models, step);
                }
            }
        } finally {
            log.plot();
            if (stream.skipped() > 0) {
                listener.onMessage(stream.skipped() + " training pair(s) could not be read and were skipped");
            }
        }
        return new Summary(start.step() + 1, step, stream.skipped(), seconds, checkpoint, log.rows());
    }

    /** One optimizer step: accumulated micro-batches, (unscale,) clip, update. */
    private TrainingLog.Row optimizerStep(long step, TrainingModels models, AdamW optimizer, TrainingStep forward,
                                          SampleStream stream, LossScaler scaler) {
        Map<String, Tensor> params = models.trainable();
        Map<String, Double> sums = new LinkedHashMap<>();
        int accumulation = config.gradientAccumulationSteps();
        try (PointerScope scope = new PointerScope()) {
            zeroGrads(params.values());
            for (int micro = 0; micro < accumulation; micro++) {
                List<TrainingSample> samples = new ArrayList<>();
                for (int i = 0; i < config.trainBatchSize(); i++) {
                    samples.add(stream.next());
                }
                TrainingStep.Batch batch = TrainingStep.Batch.of(samples);
                LossTerms terms = microBatch(forward, batch, step, micro, models.placement);
                Map<String, Double> values = terms.values();
                LossTerms.checkFinite(values, step);
                values.forEach((k, v) -> sums.merge(k, v / accumulation, Double::sum));
                Tensor scaled = Torch.div(terms.total(), accumulation);
                if (scaler != null) {
                    scaled = Torch.mul(scaled, scaler.scale());
                }
                scaled.backward();
            }
            boolean finite = scaler == null || scaler.unscale(params.values());
            double norm = Double.NaN;
            if (finite) {
                norm = GradientClipping.clip(params.values(), config.maxGradNorm());
                optimizer.step(params);
            } else {
                listener.onMessage("step " + step + ": non-finite fp16 gradients, update skipped, loss scale "
                        + scaler.scale() + " halved");
            }
            if (scaler != null) {
                scaler.update(finite);
            }
            return new TrainingLog.Row(step, config.learningRate(), norm, sums);
        }
    }

    /** The forward pass of one micro-batch, under autocast when mixed precision is on. */
    private LossTerms microBatch(TrainingStep forward, TrainingStep.Batch batch, long step, int micro,
                                 Placement placement) {
        var generator = Torch.generator(Seeds.derive(config.seed(), 3, step, micro));
        ScalarType low = switch (config.mixedPrecision()) {
            case "bf16" -> ScalarType.BFloat16;
            case "fp16" -> ScalarType.Half;
            default -> null;
        };
        if (low == null) {
            return forward.forward(batch, generator);
        }
        try (AutoCloseable autocast = Torch.autocast(placement, low)) {
            return forward.forward(batch, generator);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void validate(Validator validator, TrainingModels models, long step) throws IOException {
        ScalarType low = switch (config.mixedPrecision()) {
            case "bf16" -> ScalarType.BFloat16;
            case "fp16" -> ScalarType.Half;
            default -> null;
        };
        List<Path> files;
        if (low == null) {
            files = validator.run(models, step, threads, listener::onMessage);
        } else {
            try (AutoCloseable autocast = Torch.autocast(models.placement, low)) {
                files = validator.run(models, step, threads, listener::onMessage);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        listener.onMessage("validation at step " + step + ": " + files.size() + " image(s) in "
                + config.outputDir().resolve("validation").resolve("step-" + step));
    }

    private static void zeroGrads(Collection<Tensor> params) {
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g.defined()) {
                g.zero_();
            }
        }
    }

    private TrainingCheckpoint.State fresh() {
        return new TrainingCheckpoint.State(0, 0, 0, LossScaler.INIT_SCALE, 0, config.seed(),
                config.resumeSignature());
    }

    private TrainingCheckpoint.State state(long step, AdamW optimizer, SampleStream stream, LossScaler scaler) {
        return new TrainingCheckpoint.State(step, optimizer.stepCount(), stream.position(),
                scaler == null ? LossScaler.INIT_SCALE : scaler.scale(), scaler == null ? 0 : scaler.cleanSteps(),
                config.seed(), config.resumeSignature());
    }

    private void checkSignature(TrainingCheckpoint.State state, Path checkpoint) {
        if (!state.signature().equals(config.resumeSignature())) {
            throw new TrainConfigException("the config differs from the one " + checkpoint + " was trained with: "
                    + state.signature() + " there, " + config.resumeSignature() + " now; these settings must stay "
                    + "the same to resume");
        }
    }
}
