package dev.xpsr.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The options of a diffusers scheduler, read from a {@code scheduler_config.json} (diffusers 0.21.4 key names).
 *
 * <p>One config feeds all three schedulers, as diffusers' {@code from_config} does: keys a class does not take
 * ({@code _class_name}, {@code skip_prk_steps}, ...) are ignored and a missing key takes the class default. The
 * defaults below are the ones DDPM, DDIM and UniPC share in diffusers 0.21.4; the only default that differs
 * between them is {@code timestep_spacing} ({@code "leading"} for DDPM/DDIM, {@code "linspace"} for UniPC), so it
 * is kept as "not set" ({@link #timestepSpacing()} empty) until a scheduler resolves it.
 *
 * <p>{@code eta} and {@code use_clipped_model_output} are arguments of diffusers' {@code DDIMScheduler.step}, not
 * config keys; they live here (set with {@link #withEta}, {@link #withUseClippedModelOutput}) because the
 * {@link Scheduler} interface has one {@code step} signature for every class. They are never read from JSON.
 *
 * <p>Instances are immutable; {@code withX} methods return modified copies.
 */
public final class SchedulerConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private int numTrainTimesteps = 1000;
    private double betaStart = 0.0001;
    private double betaEnd = 0.02;
    private String betaSchedule = "linear";
    private double[] trainedBetas;
    private String varianceType = "fixed_small";
    private boolean clipSample = true;
    private double clipSampleRange = 1.0;
    private String predictionType = "epsilon";
    private boolean thresholding;
    private double dynamicThresholdingRatio = 0.995;
    private double sampleMaxValue = 1.0;
    private String timestepSpacing;
    private int stepsOffset;
    private boolean setAlphaToOne = true;
    private boolean rescaleBetasZeroSnr;
    private int solverOrder = 2;
    private boolean predictX0 = true;
    private String solverType = "bh2";
    private String algorithmType = "dpmsolver++";
    private boolean lowerOrderFinal = true;
    private int[] disableCorrector = new int[0];
    private boolean solverPSet;
    private boolean useKarrasSigmas;
    private String className;
    private double eta;
    private boolean useClippedModelOutput;

    private SchedulerConfig() {
    }

    private SchedulerConfig(SchedulerConfig o) {
        numTrainTimesteps = o.numTrainTimesteps;
        betaStart = o.betaStart;
        betaEnd = o.betaEnd;
        betaSchedule = o.betaSchedule;
        trainedBetas = o.trainedBetas;
        varianceType = o.varianceType;
        clipSample = o.clipSample;
        clipSampleRange = o.clipSampleRange;
        predictionType = o.predictionType;
        thresholding = o.thresholding;
        dynamicThresholdingRatio = o.dynamicThresholdingRatio;
        sampleMaxValue = o.sampleMaxValue;
        timestepSpacing = o.timestepSpacing;
        stepsOffset = o.stepsOffset;
        setAlphaToOne = o.setAlphaToOne;
        rescaleBetasZeroSnr = o.rescaleBetasZeroSnr;
        solverOrder = o.solverOrder;
        predictX0 = o.predictX0;
        solverType = o.solverType;
        algorithmType = o.algorithmType;
        lowerOrderFinal = o.lowerOrderFinal;
        disableCorrector = o.disableCorrector;
        solverPSet = o.solverPSet;
        useKarrasSigmas = o.useKarrasSigmas;
        className = o.className;
        eta = o.eta;
        useClippedModelOutput = o.useClippedModelOutput;
    }

    /** A config with every key at its class default (what {@code Scheduler()} with no arguments uses). */
    public static SchedulerConfig defaults() {
        return new SchedulerConfig();
    }

    /**
     * Parses a diffusers scheduler config object. Unknown keys are ignored and {@code null} values mean "not set",
     * as in diffusers.
     *
     * @throws IllegalArgumentException when the node is not an object or a known key has the wrong JSON type
     *                                  (the message names the key and the value)
     */
    public static SchedulerConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("scheduler config must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        SchedulerConfig c = new SchedulerConfig();
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                c.apply(e.getKey(), e.getValue());
            }
        });
        return c;
    }

    /**
     * Reads a {@code scheduler_config.json} file.
     *
     * @throws IllegalArgumentException when the file is not valid JSON or a key is malformed (the message names the
     *                                  file and the key)
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static SchedulerConfig read(Path schedulerConfigJson) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(schedulerConfigJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scheduler config " + schedulerConfigJson, e);
        }
        JsonNode node;
        try {
            node = JSON.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(schedulerConfigJson + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            // bytes in none of JSON's Unicode encodings (Jackson's CharConversionException)
            throw new IllegalArgumentException(schedulerConfigJson + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            return fromJson(node);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(schedulerConfigJson + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- JSON keys

    private void apply(String key, JsonNode v) {
        switch (key) {
            case "num_train_timesteps" -> numTrainTimesteps = asInt(key, v);
            case "beta_start" -> betaStart = asDouble(key, v);
            case "beta_end" -> betaEnd = asDouble(key, v);
            case "beta_schedule" -> betaSchedule = asString(key, v);
            case "trained_betas" -> trainedBetas = asDoubleArray(key, v);
            case "variance_type" -> varianceType = asString(key, v);
            case "clip_sample" -> clipSample = asBoolean(key, v);
            case "clip_sample_range" -> clipSampleRange = asDouble(key, v);
            case "prediction_type" -> predictionType = asString(key, v);
            case "thresholding" -> thresholding = asBoolean(key, v);
            case "dynamic_thresholding_ratio" -> dynamicThresholdingRatio = asDouble(key, v);
            case "sample_max_value" -> sampleMaxValue = asDouble(key, v);
            case "timestep_spacing" -> timestepSpacing = asString(key, v);
            case "steps_offset" -> stepsOffset = asNonNegativeInt(key, v);
            case "set_alpha_to_one" -> setAlphaToOne = asBoolean(key, v);
            case "rescale_betas_zero_snr" -> rescaleBetasZeroSnr = asBoolean(key, v);
            case "solver_order" -> solverOrder = asInt(key, v);
            case "predict_x0" -> predictX0 = asBoolean(key, v);
            case "solver_type" -> solverType = asString(key, v);
            case "algorithm_type" -> algorithmType = asString(key, v);
            case "lower_order_final" -> lowerOrderFinal = asBoolean(key, v);
            case "disable_corrector" -> disableCorrector = asIntArray(key, v);
            case "solver_p" -> solverPSet = true;
            case "use_karras_sigmas" -> useKarrasSigmas = asBoolean(key, v);
            case "_class_name" -> className = asString(key, v);
            default -> {
                // diffusers ignores keys its class does not take (skip_prk_steps, _diffusers_version, ...)
            }
        }
    }

    private static int asInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw badType(key, "an integer", v);
        }
        return v.intValue();
    }

    /** A count or offset: a timestep below 0 would index diffusers' schedule from its end, silently. */
    private static int asNonNegativeInt(String key, JsonNode v) {
        int n = asInt(key, v);
        if (n < 0) {
            throw new IllegalArgumentException(key + " must be 0 or more, got " + n);
        }
        return n;
    }

    private static double asDouble(String key, JsonNode v) {
        if (!v.isNumber()) {
            throw badType(key, "a number", v);
        }
        return v.doubleValue();
    }

    private static boolean asBoolean(String key, JsonNode v) {
        if (!v.isBoolean()) {
            throw badType(key, "true or false", v);
        }
        return v.booleanValue();
    }

    private static String asString(String key, JsonNode v) {
        if (!v.isTextual()) {
            throw badType(key, "a string", v);
        }
        return v.textValue();
    }

    private static double[] asDoubleArray(String key, JsonNode v) {
        if (!v.isArray()) {
            throw badType(key, "an array of numbers", v);
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asDouble(key + "[" + i + "]", v.get(i));
        }
        return out;
    }

    private static int[] asIntArray(String key, JsonNode v) {
        if (!v.isArray()) {
            throw badType(key, "an array of integers", v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asInt(key + "[" + i + "]", v.get(i));
        }
        return out;
    }

    private static IllegalArgumentException badType(String key, String expected, JsonNode v) {
        return new IllegalArgumentException("scheduler config key '" + key + "' must be " + expected + ", got " + v);
    }

    // ---------------------------------------------------------------- getters

    public int numTrainTimesteps() {
        return numTrainTimesteps;
    }

    public double betaStart() {
        return betaStart;
    }

    public double betaEnd() {
        return betaEnd;
    }

    public String betaSchedule() {
        return betaSchedule;
    }

    /** Explicit betas that replace the schedule, if given. */
    public Optional<double[]> trainedBetas() {
        return Optional.ofNullable(trainedBetas).map(double[]::clone);
    }

    public String varianceType() {
        return varianceType;
    }

    public boolean clipSample() {
        return clipSample;
    }

    public double clipSampleRange() {
        return clipSampleRange;
    }

    public String predictionType() {
        return predictionType;
    }

    public boolean thresholding() {
        return thresholding;
    }

    public double dynamicThresholdingRatio() {
        return dynamicThresholdingRatio;
    }

    public double sampleMaxValue() {
        return sampleMaxValue;
    }

    /** The spacing the file asked for; empty means "the scheduler class's default". */
    public Optional<String> timestepSpacing() {
        return Optional.ofNullable(timestepSpacing);
    }

    public int stepsOffset() {
        return stepsOffset;
    }

    public boolean setAlphaToOne() {
        return setAlphaToOne;
    }

    public boolean rescaleBetasZeroSnr() {
        return rescaleBetasZeroSnr;
    }

    public int solverOrder() {
        return solverOrder;
    }

    public boolean predictX0() {
        return predictX0;
    }

    public String solverType() {
        return solverType;
    }

    /** DPM-Solver's {@code algorithm_type} ({@code dpmsolver++} unless the file names another). */
    public String algorithmType() {
        return algorithmType;
    }

    public boolean lowerOrderFinal() {
        return lowerOrderFinal;
    }

    public int[] disableCorrector() {
        return disableCorrector.clone();
    }

    /** Whether the file named a {@code solver_p} scheduler (not supported here). */
    public boolean solverPSet() {
        return solverPSet;
    }

    public boolean useKarrasSigmas() {
        return useKarrasSigmas;
    }

    /** The {@code _class_name} the file was written for, if any. */
    public Optional<String> className() {
        return Optional.ofNullable(className);
    }

    /** DDIM's η (0 = deterministic DDIM, 1 = DDPM-like variance). */
    public double eta() {
        return eta;
    }

    /** DDIM: re-derive ε from the clipped x̂₀ before computing the direction term. */
    public boolean useClippedModelOutput() {
        return useClippedModelOutput;
    }

    // ---------------------------------------------------------------- copies with one option changed

    private SchedulerConfig with(Consumer<SchedulerConfig> change) {
        SchedulerConfig c = new SchedulerConfig(this);
        change.accept(c);
        return c;
    }

    public SchedulerConfig withNumTrainTimesteps(int v) {
        return with(c -> c.numTrainTimesteps = v);
    }

    public SchedulerConfig withBetaStart(double v) {
        return with(c -> c.betaStart = v);
    }

    public SchedulerConfig withBetaEnd(double v) {
        return with(c -> c.betaEnd = v);
    }

    public SchedulerConfig withBetaSchedule(String v) {
        return with(c -> c.betaSchedule = v);
    }

    /** Explicit betas ({@code null} to use the schedule again). */
    public SchedulerConfig withTrainedBetas(double[] v) {
        return with(c -> c.trainedBetas = v == null ? null : v.clone());
    }

    public SchedulerConfig withVarianceType(String v) {
        return with(c -> c.varianceType = v);
    }

    public SchedulerConfig withClipSample(boolean v) {
        return with(c -> c.clipSample = v);
    }

    public SchedulerConfig withClipSampleRange(double v) {
        return with(c -> c.clipSampleRange = v);
    }

    public SchedulerConfig withPredictionType(String v) {
        return with(c -> c.predictionType = v);
    }

    public SchedulerConfig withThresholding(boolean v) {
        return with(c -> c.thresholding = v);
    }

    /** Timestep spacing ({@code null} for the class default). */
    public SchedulerConfig withTimestepSpacing(String v) {
        return with(c -> c.timestepSpacing = v);
    }

    public SchedulerConfig withStepsOffset(int v) {
        return with(c -> c.stepsOffset = v);
    }

    public SchedulerConfig withSetAlphaToOne(boolean v) {
        return with(c -> c.setAlphaToOne = v);
    }

    public SchedulerConfig withRescaleBetasZeroSnr(boolean v) {
        return with(c -> c.rescaleBetasZeroSnr = v);
    }

    public SchedulerConfig withSolverOrder(int v) {
        return with(c -> c.solverOrder = v);
    }

    public SchedulerConfig withPredictX0(boolean v) {
        return with(c -> c.predictX0 = v);
    }

    public SchedulerConfig withSolverType(String v) {
        return with(c -> c.solverType = v);
    }

    public SchedulerConfig withLowerOrderFinal(boolean v) {
        return with(c -> c.lowerOrderFinal = v);
    }

    public SchedulerConfig withDisableCorrector(int... steps) {
        return with(c -> c.disableCorrector = steps.clone());
    }

    public SchedulerConfig withUseKarrasSigmas(boolean v) {
        return with(c -> c.useKarrasSigmas = v);
    }

    public SchedulerConfig withEta(double v) {
        return with(c -> c.eta = v);
    }

    public SchedulerConfig withUseClippedModelOutput(boolean v) {
        return with(c -> c.useClippedModelOutput = v);
    }

    @Override
    public String toString() {
        return "SchedulerConfig{num_train_timesteps=" + numTrainTimesteps + ", beta_start=" + betaStart
                + ", beta_end=" + betaEnd + ", beta_schedule=" + betaSchedule
                + (trainedBetas == null ? "" : ", trained_betas[" + trainedBetas.length + "]")
                + ", prediction_type=" + predictionType + ", timestep_spacing=" + timestepSpacing
                + ", steps_offset=" + stepsOffset + ", clip_sample=" + clipSample
                + ", variance_type=" + varianceType + ", set_alpha_to_one=" + setAlphaToOne
                + ", solver_order=" + solverOrder + ", solver_type=" + solverType
                + ", disable_corrector=" + Arrays.toString(disableCorrector)
                + ", eta=" + eta + (className == null ? "" : ", _class_name=" + className) + "}";
    }
}
