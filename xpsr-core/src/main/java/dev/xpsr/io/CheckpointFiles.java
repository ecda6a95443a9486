package dev.xpsr.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One logical state dict stored in a single safetensors file or in shards.
 *
 * <p>Sharded form (Hugging Face): a {@code *.safetensors.index.json} of the shape
 * {@code {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}}, the shards lying in
 * the same folder. Each shard is opened once; the index and the shards must agree exactly (every listed
 * tensor is in its shard, every shard tensor is listed for that shard), since a mismatch means an
 * interrupted download or a stale index, and loading would otherwise fail later and less clearly.
 *
 * <p>{@link #findWeights} locates a diffusers/transformers component's weights in a model folder,
 * following the variant spellings those libraries use.
 */
public final class CheckpointFiles implements AutoCloseable {

    private static final String INDEX_SUFFIX = ".index.json";

    /** Index files of real checkpoints are a few hundred KB; this only stops a runaway read. */
    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path source;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsFile> owners;
    private final List<SafetensorsFile> files;

    private CheckpointFiles(Path source, Map<String, String> metadata, Map<String, SafetensorsFile> owners,
            List<SafetensorsFile> files) {
        this.source = source;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.owners = Collections.unmodifiableMap(owners);
        this.files = List.copyOf(files);
    }

    /**
     * Opens a {@code *.safetensors} file, or every shard of a {@code *.index.json} (any name ending in
     * {@code .json} is read as an index), validating each fully.
     *
     * @throws FileNotFoundException if a shard named by the index is missing
     * @throws SafetensorsFormatException if a file is malformed or the index and shards disagree
     */
    public static CheckpointFiles open(Path fileOrIndexJson) throws IOException {
        if (fileOrIndexJson.getFileName().toString().endsWith(".json")) {
            return openIndex(fileOrIndexJson);
        }
        SafetensorsFile file = SafetensorsFile.open(fileOrIndexJson);
        Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
        file.keys().forEach(k -> owners.put(k, file));
        return new CheckpointFiles(fileOrIndexJson, file.metadata(), owners, List.of(file));
    }

    /** The path given to {@link #open}. */
    public Path path() {
        return source;
    }

    /**
     * For a single file its {@code __metadata__}; for an index its {@code "metadata"} object, non-string
     * values (such as {@code total_size}) given as their JSON text.
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names: file order for a single file, {@code weight_map} order for an index. */
    public Set<String> keys() {
        return owners.keySet();
    }

    /** Whether a tensor of that name exists. */
    public boolean contains(String key) {
        return owners.containsKey(key);
    }

    /** @throws IllegalArgumentException naming the checkpoint and key when there is no such tensor */
    public TensorInfo info(String key) {
        return owner(key).info(key);
    }

    /** The tensor's bytes, as {@link SafetensorsFile#data(String)}. */
    public ByteBuffer data(String key) {
        return owner(key).data(key);
    }

    /** The tensor's elements as floats, as {@link SafetensorsFile#floats(String)}. */
    public float[] floats(String key) {
        return owner(key).floats(key);
    }

    /** The file holding {@code key} (the single file, or its shard). */
    public SafetensorsFile fileOf(String key) {
        return owner(key);
    }

    /** The open files: one, or every shard in index order. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Closes every file; buffers already returned stay readable. */
    @Override
    public void close() {
        closeAll(files, null);
    }

    private SafetensorsFile owner(String key) {
        SafetensorsFile file = owners.get(key);
        if (file == null) {
            throw new IllegalArgumentException(source + ": no tensor \"" + key + "\" (the checkpoint has "
                    + owners.size() + " tensors); check the key or that this is the right checkpoint");
        }
        return file;
    }

    // ---- sharded checkpoints ----

    private static CheckpointFiles openIndex(Path index) throws IOException {
        JsonNode root = readIndex(index);
        Map<String, String> metadata = indexMetadata(index, root.get("metadata"));
        Map<String, String> shardOf = weightMap(index, root.get("weight_map"));
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shardName : new LinkedHashSet<>(shardOf.values())) {
                shards.put(shardName, openShard(index, shardName, shardOf));
            }
            Map<String, SafetensorsFile> owners = new LinkedHashMap<>();
            shardOf.forEach((key, shardName) -> owners.put(key, shards.get(shardName)));
            checkAgreement(index, shardOf, shards);
            return new CheckpointFiles(index, metadata, owners, new ArrayList<>(shards.values()));
        } catch (IOException | RuntimeException | Error e) {
            closeAll(shards.values(), e);
            throw e;
        }
    }

    private static JsonNode readIndex(Path index) throws IOException {
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) {
            throw new SafetensorsFormatException(index, null, "the index is " + size + " bytes, far more than"
                    + " any checkpoint index; this is not a safetensors index file");
        }
        byte[] bytes = Files.readAllBytes(index);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            // JacksonException, or CharConversionException for bytes in none of JSON's Unicode encodings
            String why = e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage();
            throw new SafetensorsFormatException(index, null, "the index is not valid JSON (" + why + "); "
                    + SafetensorsFormatException.REDOWNLOAD, e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsFormatException(index, null, "the index is not a JSON object; "
                    + SafetensorsFormatException.REDOWNLOAD);
        }
        return root;
    }

    private static Map<String, String> indexMetadata(Path index, JsonNode node) throws SafetensorsFormatException {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return metadata;
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(index, null, "\"metadata\" is not an object; "
                    + SafetensorsFormatException.REDOWNLOAD);
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
        }
        return metadata;
    }

    private static Map<String, String> weightMap(Path index, JsonNode node) throws SafetensorsFormatException {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new SafetensorsFormatException(index, null, "the index has no non-empty \"weight_map\" object"
                    + " of tensor name to shard file; " + SafetensorsFormatException.REDOWNLOAD);
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsFormatException(index, e.getKey(), "the weight_map value is "
                        + e.getValue() + ", not a shard file name; " + SafetensorsFormatException.REDOWNLOAD);
            }
            shardOf.put(e.getKey(), e.getValue().textValue());
        }
        return shardOf;
    }

    private static SafetensorsFile openShard(Path index, String shardName, Map<String, String> shardOf)
            throws IOException {
        Path dir = index.toAbsolutePath().getParent().normalize();
        Path shard = dir.resolve(shardName).normalize();
        // Shards live next to their index; a name that leads elsewhere is a damaged or hostile index.
        if (shardName.isEmpty() || !shard.getParent().equals(dir)) {
            throw new SafetensorsFormatException(index, null, "shard name \"" + shardName + "\" does not name a"
                    + " file in the index's folder " + dir + "; " + SafetensorsFormatException.REDOWNLOAD);
        }
        if (!Files.isRegularFile(shard)) {
            String example = shardOf.entrySet().stream().filter(e -> e.getValue().equals(shardName))
                    .map(Map.Entry::getKey).findFirst().orElse("?");
            throw new FileNotFoundException(index + ": shard " + shard + " (listed for tensors such as \"" + example
                    + "\") does not exist; the download is incomplete, fetch the missing shard");
        }
        return SafetensorsFile.open(shard);
    }

    private static void checkAgreement(Path index, Map<String, String> shardOf,
            Map<String, SafetensorsFile> shards) throws SafetensorsFormatException {
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!shards.get(e.getValue()).contains(e.getKey())) {
                throw new SafetensorsFormatException(index, e.getKey(), "the index puts it in shard \""
                        + e.getValue() + "\", which has no such tensor; the index and shards do not match, "
                        + SafetensorsFormatException.REDOWNLOAD);
            }
        }
        for (Map.Entry<String, SafetensorsFile> e : shards.entrySet()) {
            for (String key : e.getValue().keys()) {
                if (!e.getKey().equals(shardOf.get(key))) {
                    throw new SafetensorsFormatException(index, key, "shard \"" + e.getKey() + "\" holds it but"
                            + " the index " + (shardOf.containsKey(key) ? "puts it in \"" + shardOf.get(key) + "\""
                            : "does not list it") + "; the index and shards do not match, "
                            + SafetensorsFormatException.REDOWNLOAD);
                }
            }
        }
    }

    private static void closeAll(Iterable<SafetensorsFile> toClose, Throwable primary) {
        UncheckedIOException failure = null;
        for (SafetensorsFile f : toClose) {
            try {
                f.close();
            } catch (UncheckedIOException e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    // ---- locating weights in a model folder ----

    /**
     * The weights of a diffusers/transformers component folder (e.g. {@code unet/}): the first that exists
     * of {@code diffusion_pytorch_model.safetensors}, its sharded index, {@code model.safetensors}, its
     * sharded index, then the single-file pickle checkpoints {@code diffusion_pytorch_model.bin} (diffusers)
     * and {@code pytorch_model.bin} (transformers), which both libraries take only when no safetensors file
     * exists; a {@code .bin} opens with {@code TorchBinWeights}, not {@link #open}. With a variant (e.g.
     * {@code "fp16"}) only the variant files are looked for, as diffusers does for local folders:
     * {@code diffusion_pytorch_model.fp16.safetensors}, the index spellings {@code .safetensors.fp16.index.json}
     * (diffusers), {@code .safetensors.index.fp16.json} (transformers) and {@code .fp16.safetensors.index.json},
     * then {@code diffusion_pytorch_model.fp16.bin}. Sharded pickle checkpoints ({@code *.bin.index.json}) are
     * not looked for.
     *
     * @param variantOrNull null or empty for the plain weights
     * @throws FileNotFoundException listing every name looked for, when none exists
     */
    public static Path findWeights(Path modelDir, String variantOrNull) throws IOException {
        String variant = variantOrNull == null || variantOrNull.isEmpty() ? null : variantOrNull;
        if (variant != null && (variant.contains("/") || variant.contains("\\") || variant.contains(".."))) {
            throw new IllegalArgumentException("variant \"" + variant + "\" must be a plain name such as fp16");
        }
        if (!Files.isDirectory(modelDir)) {
            throw new FileNotFoundException("model folder " + modelDir + " does not exist or is not a folder");
        }
        List<String> candidates = candidateNames(variant);
        for (String name : candidates) {
            Path candidate = modelDir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new FileNotFoundException("no weights in " + modelDir + (variant == null ? ""
                : " for variant \"" + variant + "\"") + "; looked for " + String.join(", ", candidates)
                + ". Download the model's safetensors weights (or its single-file .bin)");
    }

    private static List<String> candidateNames(String variant) {
        Set<String> names = new LinkedHashSet<>();
        for (String base : List.of("diffusion_pytorch_model", "model")) {
            if (variant == null) {
                names.add(base + ".safetensors");
                names.add(base + ".safetensors" + INDEX_SUFFIX);
            } else {
                names.add(base + "." + variant + ".safetensors");
                names.add(base + ".safetensors." + variant + INDEX_SUFFIX);
                names.add(base + ".safetensors.index." + variant + ".json");
                names.add(base + "." + variant + ".safetensors" + INDEX_SUFFIX);
            }
        }
        // pickle checkpoints last: diffusers and transformers load them only when no safetensors file exists
        for (String base : List.of("diffusion_pytorch_model", "pytorch_model")) {
            names.add(base + (variant == null ? "" : "." + variant) + ".bin");
        }
        return List.copyOf(names);
    }
}
