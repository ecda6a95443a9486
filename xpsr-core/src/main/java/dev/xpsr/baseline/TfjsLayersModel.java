package dev.xpsr.baseline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TensorFlow.js "layers-model" ({@code model.json} + weight shards) as written by the tfjs converter from a
 * Keras model:
 * <ul>
 *   <li>{@code format = "layers-model"}; {@code modelTopology.model_config} is the Keras functional model
 *       ({@code class_name} "Functional" or "Model"): {@code config.layers[]} each with {@code class_name},
 *       {@code name}, {@code config} and {@code inbound_nodes} = {@code [[[layer, node, tensor, kwargs], ...]]},
 *       plus {@code input_layers} / {@code output_layers}.</li>
 *   <li>{@code weightsManifest[]}: groups, each with {@code paths} (shard files next to model.json, to be
 *       concatenated) and {@code weights[]} = {@code {name, shape, dtype}}; a group's values are stored back to
 *       back in list order. Keras names them {@code <layer>/kernel} and {@code <layer>/bias}; a Conv2D kernel
 *       has shape (kh, kw, in, out).</li>
 * </ul>
 * Only float32 weights without {@code quantization} are read; anything else is rejected with the weight named.
 * Layers sharing weights (a layer called more than once) are rejected too.
 */
public final class TfjsLayersModel {
    /**
     * One Keras layer.
     *
     * @param className Keras class ({@code Conv2D}, {@code Add}, ...)
     * @param name      layer name, also the name of its output
     * @param config    its Keras config
     * @param inbound   the layers whose outputs it reads, in order
     */
    public record Layer(String className, String name, JsonNode config, List<String> inbound) {
    }

    /** A weight array with its shape, values in row-major order. */
    public record Weight(long[] shape, float[] values) {
    }

    private final Path file;
    private final List<Layer> layers;
    private final String inputLayer;
    private final String outputLayer;
    private final Map<String, Weight> weights;
    private final Set<String> taken = new LinkedHashSet<>();

    private TfjsLayersModel(Path file, List<Layer> layers, String inputLayer, String outputLayer,
                            Map<String, Weight> weights) {
        this.file = file;
        this.layers = List.copyOf(layers);
        this.inputLayer = inputLayer;
        this.outputLayer = outputLayer;
        this.weights = weights;
    }

    /**
     * Reads {@code model.json} and its weight shards.
     *
     * @throws TfjsFormatException if the file is not a single-input, single-output float32 layers-model
     */
    public static TfjsLayersModel read(Path modelJson) throws IOException {
        String where = modelJson.toString();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(modelJson));
        } catch (JsonProcessingException e) {
            throw new TfjsFormatException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (CharConversionException e) {
            throw new TfjsFormatException(where + ": not valid JSON, its bytes are in no Unicode encoding ("
                    + e.getMessage() + ")");
        }
        require(root.path("format").asText("").equals("layers-model"), where,
                "format is '" + root.path("format").asText("") + "', expected 'layers-model'");
        JsonNode model = root.path("modelTopology").path("model_config");
        String cls = model.path("class_name").asText("");
        require(cls.equals("Functional") || cls.equals("Model"), where,
                "model class '" + cls + "' is not supported (only Keras functional models)");
        JsonNode config = model.path("config");
        return new TfjsLayersModel(modelJson, layers(config, where), endpoint(config, "input_layers", where),
                endpoint(config, "output_layers", where), readWeights(root.path("weightsManifest"),
                modelJson.toAbsolutePath().normalize().getParent(), where));
    }

    private static List<Layer> layers(JsonNode config, String where) {
        List<Layer> out = new ArrayList<>();
        for (JsonNode l : config.path("layers")) {
            String name = l.path("name").asText();
            out.add(new Layer(l.path("class_name").asText(), name, l.path("config"),
                    inbound(l.path("inbound_nodes"), where + " layer '" + name + "'")));
        }
        require(!out.isEmpty(), where, "no layers");
        return out;
    }

    private static List<String> inbound(JsonNode nodes, String where) {
        if (nodes.isEmpty()) {
            return List.of();
        }
        require(nodes.size() == 1, where, "is called " + nodes.size() + " times; shared layers are not supported");
        List<String> names = new ArrayList<>();
        for (JsonNode ref : nodes.path(0)) {
            require(ref.path(1).asInt(-1) == 0 && ref.path(2).asInt(-1) == 0, where,
                    "reads output " + ref + "; only the first output of a layer's first call is supported");
            names.add(ref.path(0).asText());
        }
        return names;
    }

    private static String endpoint(JsonNode config, String key, String where) {
        JsonNode list = config.path(key);
        require(list.size() == 1, where, key + " has " + list.size() + " entries; one is supported");
        return list.path(0).path(0).asText();
    }

    private static Map<String, Weight> readWeights(JsonNode manifest, Path dir, String where) throws IOException {
        Map<String, Weight> out = new LinkedHashMap<>();
        for (JsonNode group : manifest) {
            ByteBuffer data = concatenate(group.path("paths"), dir, where);
            for (JsonNode w : group.path("weights")) {
                String name = w.path("name").asText();
                require(w.path("dtype").asText().equals("float32"), where,
                        "weight '" + name + "' has dtype " + w.path("dtype") + "; only float32 is supported");
                require(!w.has("quantization"), where, "weight '" + name + "' is quantized; not supported");
                String weight = where + " weight '" + name + "'";
                out.put(name, take(data, shape(w.path("shape"), weight), weight));
            }
            require(!data.hasRemaining(), where, data.remaining() + " bytes left over in shards "
                    + group.path("paths"));
        }
        return out;
    }

    private static ByteBuffer concatenate(JsonNode paths, Path dir, String where) throws IOException {
        List<byte[]> parts = new ArrayList<>();
        long total = 0;
        for (JsonNode p : paths) {
            byte[] b = Files.readAllBytes(shard(dir, p.asText(), where));
            parts.add(b);
            total += b.length;
            require(total <= Integer.MAX_VALUE, where, "the shards of one weight group exceed 2 GB");
        }
        ByteBuffer all = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        parts.forEach(all::put);
        return all.flip();
    }

    /**
     * A shard named by the manifest: a file of the model's own folder. The name comes from the file, so it may not
     * lead elsewhere, by {@code ..}, an absolute path or a link.
     */
    private static Path shard(Path dir, String name, String where) throws IOException {
        Path file = dir.resolve(name).normalize();
        require(!name.isEmpty() && file.startsWith(dir) && !file.equals(dir), where, "weight shard '" + name
                + "' is not a file in the model's folder " + dir);
        require(Files.isRegularFile(file), where, "weight shard '" + name + "' is missing from " + dir
                + "; download the model's shards with its model.json");
        require(file.toRealPath().startsWith(dir.toRealPath()), where, "weight shard '" + name
                + "' is a link leading out of the model's folder " + dir);
        return file;
    }

    private static long[] shape(JsonNode dims, String where) {
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            JsonNode d = dims.get(i);
            require(d != null && d.canConvertToLong() && d.asLong() >= 0, where, "has shape " + dims
                    + "; dimensions are integers of at least 0");
            s[i] = d.asLong();
        }
        return s;
    }

    /** The next weight's values; the shape's element count is checked against the bytes left before allocating. */
    private static Weight take(ByteBuffer data, long[] shape, String where) {
        long available = data.remaining() / 4;
        long n = 1;
        for (long d : shape) {
            // n stays at most available + 1, so the product cannot overflow
            n = d == 0 ? 0 : n > available / d ? available + 1 : n * d;
        }
        require(n <= available, where, "has shape " + Arrays.toString(shape) + ", more values than the "
                + available + " the shards hold from here");
        float[] v = new float[(int) n];
        data.asFloatBuffer().get(v);
        data.position(data.position() + 4 * v.length);
        return new Weight(shape, v);
    }

    private static void require(boolean ok, String where, String message) {
        if (!ok) {
            throw new TfjsFormatException(where + ": " + message);
        }
    }

    // ---------------------------------------------------------------- access

    public Path file() {
        return file;
    }

    public List<Layer> layers() {
        return layers;
    }

    public String inputLayer() {
        return inputLayer;
    }

    public String outputLayer() {
        return outputLayer;
    }

    /** The weight {@code name}, marked as used; fails naming the layer if the file lacks it. */
    public Weight weight(String name) {
        Weight w = weights.get(name);
        require(w != null, file.toString(), "weight '" + name + "' is missing from the weightsManifest");
        taken.add(name);
        return w;
    }

    /** Weights of the manifest that no {@link #weight} call asked for. */
    public Set<String> unusedWeights() {
        Set<String> unused = new LinkedHashSet<>(weights.keySet());
        unused.removeAll(taken);
        return unused;
    }
}
