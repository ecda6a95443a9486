package dev.xpsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one training run, read from a YAML ({@code .yaml}/{@code .yml}) or JSON file whose keys follow
 * XPSR's {@code configs/xpsr.yaml} (and {@code train.py}'s argument names) where a setting exists there. Every key,
 * its default and its meaning is listed in {@code docs/TRAINING.md}. An unknown key, a missing required key or a
 * value of the wrong kind is an error naming the key and the file. Relative paths are resolved against the
 * config file's folder.
 *
 * @param pretrainedModel      SD-1.5 diffusers folder ({@code text_encoder/}, {@code vae/}, {@code scheduler/},
 *                             {@code tokenizer/}; {@code unet/} when {@code xpsrModel} is null)
 * @param xpsrModel            folder with XPSR's {@code controlnet/} and {@code unet/} to start from, or null to
 *                             initialise them from SD-1.5's UNet as {@code ControlNetModel.from_unet} does
 * @param trainDataDir         the pairs written by {@code xpsr degrade} (flat {@code HR/}+{@code LR/}, or
 *                             {@code dataset_<k>/{HR,LR}/}) with XPSR's prompt folders beside HR
 * @param outputDir            where checkpoints, logs and validation images go
 * @param resolution           crop side in pixels (a random crop at the same place in HR and LR when larger)
 * @param highlevelPrompt      {@code caption} (the HR caption reaches the networks, as the paper describes) or
 *                             {@code empty} (the official code's empty string)
 * @param dfcWeight            λ of every Degradation-Free term ({@code lambda_d}) unless a head group sets its own
 * @param mixedPrecision       {@code no}, {@code bf16} (autocast) or {@code fp16} (autocast + loss scaling, CUDA)
 * @param trainableModules     UNet module-name suffixes made trainable ({@code trainable_modules})
 * @param checkpointsTotalLimit checkpoints kept (oldest deleted first), or 0 for all
 * @param validImagePath       a folder with {@code LR/} images and XPSR prompt folders, or null for no validation
 * @param switches             the ablation switches (fusion mode, DFC heads and their λ, low-level prompt,
 *                             negative samples)
 */
public record TrainConfig(Path pretrainedModel, Path xpsrModel, Path trainDataDir, Path outputDir, int resolution,
                          int trainBatchSize, int gradientAccumulationSteps, int maxTrainSteps, double learningRate,
                          double adamBeta1, double adamBeta2, double adamWeightDecay, double adamEpsilon,
                          double maxGradNorm, int checkpointingSteps, int checkpointsTotalLimit, long seed,
                          String device, String mixedPrecision, List<String> trainableModules, double nullTextRatio,
                          double originalImageRatio, String highlevelPrompt, double dfcWeight, Path validImagePath,
                          int validationSteps, int numValidationImages, int validationInferenceSteps,
                          int validationAddedNoiseLevel, double validationGuidanceScale,
                          int validationProcessSize, TrainingSwitches switches) {

    /** Every key a config file may hold besides the {@link TrainingSwitches#KEYS}. */
    public static final Set<String> KEYS = Set.of("pretrained_model_name_or_path", "xpsr_model_path",
            "train_data_dir", "output_dir", "resolution", "train_batch_size", "gradient_accumulation_steps",
            "max_train_steps", "learning_rate", "lr_scheduler", "adam_beta1", "adam_beta2", "adam_weight_decay",
            "adam_epsilon", "max_grad_norm", "checkpointing_steps", "checkpoints_total_limit", "seed", "device",
            "mixed_precision", "trainable_modules", "null_text_ratio", "original_image_ratio",
            "highlevel_prompt_source", "dfc_weight", "valid_image_path", "validation_steps", "num_validation_images",
            "validation_inference_steps", "validation_added_noise_level", "validation_guidance_scale",
            "validation_process_size");

    /**
     * {@code highlevel_prompt_source} value: the HR caption is the networks' high-level text (the paper); for
     * {@code lowlevel_prompt_source}, the low-level prompt file.
     */
    public static final String CAPTION = "caption";
    /**
     * {@code highlevel_prompt_source} value: the empty string, as {@code train.py} feeds {@code input_ids}; also a
     * {@code lowlevel_prompt_source} value.
     */
    public static final String EMPTY = "empty";

    /** Reads a YAML or JSON config file. */
    public static TrainConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TrainConfigException("config file " + file + " does not exist");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper mapper = name.endsWith(".json") ? new ObjectMapper() : new YAMLMapper();
        JsonNode root;
        try {
            root = mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new TrainConfigException("config file " + file + " is not valid " + (name.endsWith(".json")
                    ? "JSON" : "YAML") + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new TrainConfigException("config file " + file + " must hold a mapping of keys to values");
        }
        Path base = file.toAbsolutePath().getParent();
        return fromTree((ObjectNode) root, base, file.toString());
    }

    /** Builds a config from key/value pairs (what a file holds), resolving relative paths against {@code base}. */
    public static TrainConfig fromMap(Map<String, ?> values, Path base, String source) {
        return fromTree(new ObjectMapper().valueToTree(values), base, source);
    }

    private static TrainConfig fromTree(ObjectNode root, Path base, String source) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key) && !TrainingSwitches.KEYS.contains(key)) {
                Set<String> known = new TreeSet<>(KEYS);
                known.addAll(TrainingSwitches.KEYS);
                throw new TrainConfigException("unknown key '" + key + "' in " + source + "; known keys: " + known);
            }
        }
        ConfigValues v = new ConfigValues(root, base, source);
        // XPSR trains with a constant learning rate; other schedules are not offered
        v.choice("lr_scheduler", "constant", List.of("constant"));
        int checkpointing = v.positiveInt("checkpointing_steps", 50_000);
        double dfcWeight = v.nonNegative("dfc_weight", 0.05);
        TrainConfig c = new TrainConfig(v.requiredPath("pretrained_model_name_or_path"), v.path("xpsr_model_path"),
                v.requiredPath("train_data_dir"), v.requiredPath("output_dir"), v.positiveInt("resolution", 512),
                v.positiveInt("train_batch_size", 2), v.positiveInt("gradient_accumulation_steps", 2),
                v.positiveInt("max_train_steps", null), v.nonNegative("learning_rate", 5e-5),
                v.fraction("adam_beta1", 0.9), v.fraction("adam_beta2", 0.999), v.nonNegative("adam_weight_decay", 1e-2),
                v.nonNegative("adam_epsilon", 1e-8), v.nonNegative("max_grad_norm", 1.0), checkpointing,
                v.nonNegativeInt("checkpoints_total_limit", 0), v.integer("seed", 0L), v.string("device", "cpu"),
                v.choice("mixed_precision", "no", List.of("no", "fp16", "bf16")),
                v.strings("trainable_modules", List.of("pixel_attentions", "attentions_lowlevel", "attentions_connect")),
                v.fraction("null_text_ratio", 0.0), v.fraction("original_image_ratio", 0.1),
                v.choice("highlevel_prompt_source", CAPTION, List.of(CAPTION, EMPTY)), dfcWeight,
                v.path("valid_image_path"), v.positiveInt("validation_steps", checkpointing),
                v.positiveInt("num_validation_images", 4), v.positiveInt("validation_inference_steps", 20),
                v.nonNegativeInt("validation_added_noise_level", 400), v.nonNegative("validation_guidance_scale", 4.5),
                v.positiveInt("validation_process_size", 512), TrainingSwitches.read(v, dfcWeight));
        c.placement();
        return c;
    }

    /** Device and the precision of the frozen networks' weights. */
    public Placement placement() {
        try {
            return new Placement(device, Placement.Precision.FP32);
        } catch (IllegalArgumentException e) {
            throw new TrainConfigException("key 'device': " + e.getMessage());
        }
    }

    /** Samples per optimizer step. */
    public int samplesPerStep() {
        return trainBatchSize * gradientAccumulationSteps;
    }

    /** The settings that must match when a run is resumed (anything else may change between runs). */
    public List<String> resumeSignature() {
        List<String> s = new ArrayList<>();
        s.add("train_batch_size=" + trainBatchSize);
        s.add("gradient_accumulation_steps=" + gradientAccumulationSteps);
        s.add("seed=" + seed);
        s.add("resolution=" + resolution);
        s.add("trainable_modules=" + trainableModules);
        return s;
    }
}
