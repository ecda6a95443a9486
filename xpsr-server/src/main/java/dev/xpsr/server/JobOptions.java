package dev.xpsr.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.api.Method;
import dev.xpsr.api.ProgressListener;
import dev.xpsr.api.UpscaleRequest;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.ColorFixMode;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.scheduler.Sampler;

import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The options of one job, from the {@code options} part of {@code POST /api/jobs}: a JSON object whose every field
 * is optional.
 *
 * <pre>{"method": "xpsr", "caption": "a cat on a sofa", "lowlevelPrompt": "slightly blurry", "steps": 20,
 *  "guidance": 4.5, "seed": 42, "colorFix": "adain", "sampler": "ddpm", "processSize": 512}</pre>
 *
 * Defaults are XPSR's released settings ({@link UpscaleOptions#DEFAULTS}); a missing caption or low-level prompt
 * comes from the server's prompt sources when the job runs. The baselines take only {@code method}. Every error
 * names the field ({@code options.steps must be ...}).
 *
 * @param method         the restoration
 * @param caption        the high-level prompt, when given
 * @param lowlevelPrompt the low-level prompt, when given
 * @param settings       the XPSR settings
 */
public record JobOptions(Method method, Optional<String> caption, Optional<String> lowlevelPrompt,
                         UpscaleOptions settings) {
    /** The fields a client may send. */
    static final List<String> FIELDS = List.of("method", "caption", "lowlevelPrompt", "steps", "guidance", "seed",
            "colorFix", "sampler", "processSize");
    /** The process size range the server accepts (XPSR's is 512; larger costs quadratically more). */
    static final int MIN_PROCESS_SIZE = 64;
    static final int MAX_PROCESS_SIZE = 2048;
    private static final int MAX_PROMPT_CHARS = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Parses and checks a client's options.
     *
     * @param json          the {@code options} part, or null / blank for all defaults
     * @param methods       the methods this server runs
     * @param defaultMethod the method of a job that names none
     * @param limits        the server's step limit
     * @throws ApiException 400 naming the field and what it accepts
     */
    public static JobOptions parse(String json, Set<Method> methods, Method defaultMethod, ServerLimits limits) {
        JsonNode root = tree(json);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw bad("options has an unknown field '" + name + "'; the fields are " + String.join(", ", FIELDS));
            }
        }
        Method method = root.has("method") ? method(text(root, "method"), methods) : defaultMethod;
        UpscaleOptions.Builder b = UpscaleOptions.builder();
        if (root.has("steps")) {
            int steps = integer(root, "steps");
            if (steps < 1 || steps > limits.maxSteps()) {
                throw bad("options.steps must be between 1 and " + limits.maxSteps() + " (this server's limit), got "
                        + steps);
            }
            b.steps(steps);
        }
        if (root.has("guidance")) {
            b.guidance(number(root, "guidance"));
        }
        if (root.has("seed")) {
            b.seed(longInteger(root, "seed"));
        }
        if (root.has("colorFix")) {
            b.colorFix(parseWith("colorFix", text(root, "colorFix"), ColorFixMode::parse));
        }
        if (root.has("sampler")) {
            b.sampler(parseWith("sampler", text(root, "sampler"), Sampler::parse));
        }
        if (root.has("processSize")) {
            int size = integer(root, "processSize");
            if (size < MIN_PROCESS_SIZE || size > MAX_PROCESS_SIZE) {
                throw bad("options.processSize must be between " + MIN_PROCESS_SIZE + " and " + MAX_PROCESS_SIZE
                        + ", got " + size);
            }
            b.processSize(size);
        }
        UpscaleOptions settings = parseWith("", b, UpscaleOptions.Builder::build);
        return new JobOptions(method, prompt(root, "caption"), prompt(root, "lowlevelPrompt"), settings);
    }

    /** The normalised options as stored with the job: every XPSR setting filled in, nothing for the baselines. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("method", method.id());
        if (method == Method.XPSR) {
            caption.ifPresent(c -> o.put("caption", c));
            lowlevelPrompt.ifPresent(l -> o.put("lowlevelPrompt", l));
            o.put("steps", settings.steps());
            o.put("guidance", settings.guidance());
            o.put("seed", settings.seed());
            o.put("colorFix", settings.colorFix().name().toLowerCase(Locale.ROOT));
            o.put("sampler", settings.sampler().id());
            o.put("processSize", settings.processSize());
        }
        return o.toString();
    }

    /**
     * Every XPSR setting of stored options, as the result's {@code xpsr:settings} text chunk writes them (empty for
     * the baselines). Stored options were checked when accepted, so no server limit applies here.
     */
    static Optional<String> settingsOf(String stored) {
        JobOptions o = parse(stored, EnumSet.allOf(Method.class), Method.XPSR,
                ServerLimits.DEFAULTS.withMaxSteps(1000));
        return o.method() == Method.XPSR ? Optional.of(o.settings().toString()) : Optional.empty();
    }

    /**
     * The library request for {@code image}: XPSR gets the prompts, the settings, a preview at every step and the
     * server's fixed texts; a baseline the image alone.
     */
    public UpscaleRequest request(RgbImage image, String name, ProgressListener listener,
                                  UnaryOperator<UpscaleRequest.Builder> fixedTexts) {
        UpscaleRequest.Builder b = UpscaleRequest.builder(image).name(name).listener(listener);
        if (method == Method.XPSR) {
            fixedTexts.apply(b.from(settings).previewEvery(1));
            caption.ifPresent(b::caption);
            lowlevelPrompt.ifPresent(b::lowlevelPrompt);
        }
        return b.build();
    }

    private static JsonNode tree(String json) {
        if (json == null || json.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) {
                throw bad("options must be a JSON object, e.g. {\"steps\": 20}");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw bad("options is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static Method method(String id, Set<Method> methods) {
        Method m = parseWith("method", id, Method::parse);
        if (!methods.contains(m)) {
            throw bad("options.method '" + id + "' is not served here; this server runs "
                    + String.join(", ", methods.stream().map(Method::id).toList()));
        }
        return m;
    }

    private static Optional<String> prompt(JsonNode root, String field) {
        if (!root.has(field) || root.get(field).isNull()) {
            return Optional.empty();
        }
        String v = text(root, field);
        if (v.length() > MAX_PROMPT_CHARS) {
            throw bad("options." + field + " must have at most " + MAX_PROMPT_CHARS + " characters, got "
                    + v.length());
        }
        return Optional.of(v);
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isTextual()) {
            throw bad("options." + field + " must be a string, got " + v);
        }
        return v.asText();
    }

    private static int integer(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw bad("options." + field + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static long longInteger(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw bad("options." + field + " must be an integer (64-bit), got " + v);
        }
        return v.longValue();
    }

    private static double number(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isNumber()) {
            throw bad("options." + field + " must be a number, got " + v);
        }
        return v.doubleValue();
    }

    /** Runs a library parser or check, turning its message (which names the field) into a 400. */
    private static <T, R> R parseWith(String field, T value, java.util.function.Function<T, R> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw bad("options." + (message.startsWith(field) || field.isEmpty() ? "" : field + ": ") + message);
        }
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest(message);
    }
}
