package dev.xpsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xpsr.io.AtomicFiles;
import dev.xpsr.io.DType;
import dev.xpsr.io.SafetensorsFile;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;
import dev.xpsr.model.Pretrained;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A training checkpoint, {@code <output_dir>/checkpoint-<step>/}:
 * <ul>
 *   <li>{@code controlnet/}, {@code unet/}: diffusers model folders in float32 (what {@code save_pretrained} writes
 *       and {@code XpsrModels.load} reads);</li>
 *   <li>{@code optimizer.safetensors}: AdamW's {@code exp_avg/<param>} and {@code exp_avg_sq/<param>};</li>
 *   <li>{@code trainer_state.json}: step, optimizer step count, data position, loss scale, seed and the settings a
 *       resume must keep. The random state is the seed alone: every draw is seeded by its position
 *       ({@link Seeds}).</li>
 * </ul>
 * Writing is crash-safe: everything goes to a hidden temporary folder, which is renamed into place when complete;
 * then the {@code latest} file (the checkpoint's name) is replaced atomically. A kill at any moment leaves
 * {@code latest} naming a complete checkpoint; leftover temporary folders are removed by the next run.
 */
public final class TrainingCheckpoint {
    /** The pointer file naming the newest complete checkpoint. */
    public static final String LATEST = "latest";
    public static final String STATE_FILE = "trainer_state.json";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final String PREFIX = "checkpoint-";
    private static final String TEMP_PREFIX = ".checkpoint-";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Everything besides weights a run needs to continue exactly.
     *
     * @param samplePosition samples consumed from the data stream
     * @param signature      settings that must not change across a resume
     */
    public record State(long step, long optimizerSteps, long samplePosition, double lossScale, int cleanSteps,
                        long seed, List<String> signature) {
    }

    private TrainingCheckpoint() {
    }

    /** The folder of the checkpoint at {@code step}. */
    public static Path folder(Path outputDir, long step) {
        return outputDir.resolve(PREFIX + step);
    }

    /** Writes a checkpoint atomically, points {@code latest} at it and deletes the oldest beyond {@code keep} (0: all). */
    public static Path write(Path outputDir, TrainingModels models, AdamW optimizer, State state, int keep)
            throws IOException {
        Files.createDirectories(outputDir);
        Path tmp = outputDir.resolve(TEMP_PREFIX + state.step() + "." + UUID.randomUUID() + ".tmp");
        Path target = folder(outputDir, state.step());
        try {
            Files.createDirectory(tmp);
            Pretrained.save(models.controlNet, models.controlNet.config.raw(), tmp.resolve("controlnet"),
                    "diffusion_pytorch_model", null, DType.F32);
            Pretrained.save(models.unet, models.unet.config.raw(), tmp.resolve("unet"), "diffusion_pytorch_model",
                    null, DType.F32);
            writeOptimizer(tmp.resolve(OPTIMIZER_FILE), optimizer);
            AtomicFiles.writeString(tmp.resolve(STATE_FILE), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(stateJson(state)));
            replaceFolder(tmp, target);
        } catch (IOException e) {
            throw new IOException("checkpoint " + target.getFileName() + " was not written: " + e.getMessage()
                    + ". The earlier checkpoints and '" + LATEST + "' are unchanged; free disk space (or raise the"
                    + " file size limit) and continue with --resume", e);
        } finally {
            deleteTree(tmp);
        }
        AtomicFiles.writeString(outputDir.resolve(LATEST), target.getFileName().toString() + "\n");
        prune(outputDir, keep, target);
        return target;
    }

    /**
     * The checkpoint {@code latest} names, or null when there is none. The name must be a {@code checkpoint-<step>}
     * folder of {@code outputDir} itself, not a symlink: a resume reads and later deletes checkpoints, so a pointer
     * (edited, or copied from another run) must not lead it elsewhere.
     */
    public static Path latest(Path outputDir) throws IOException {
        Path pointer = outputDir.resolve(LATEST);
        if (!Files.isRegularFile(pointer)) {
            return null;
        }
        String name = Files.readString(pointer).trim();
        Path dir = outputDir.resolve(name);
        if (!name.matches(PREFIX + "\\d{1,18}") || Files.isSymbolicLink(dir)
                || !Files.isRegularFile(dir.resolve(STATE_FILE), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(pointer + " names '" + name + "', which is not a complete checkpoint folder of "
                    + outputDir + " (checkpoint-<step>, not a link); point it at one, or start a new run");
        }
        return dir;
    }

    /** Reads a checkpoint's state file; a damaged one is an error naming it and the missing field. */
    public static State readState(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(STATE_FILE);
        JsonNode n = JSON.readTree(file.toFile());
        List<String> signature = new ArrayList<>();
        field(n, "signature", file).forEach(s -> signature.add(s.asText()));
        return new State(field(n, "step", file).asLong(), field(n, "optimizer_steps", file).asLong(),
                field(n, "sample_position", file).asLong(), field(n, "loss_scale", file).asDouble(),
                field(n, "clean_steps", file).asInt(), field(n, "seed", file).asLong(), signature);
    }

    private static JsonNode field(JsonNode state, String key, Path file) throws IOException {
        JsonNode v = state == null ? null : state.get(key);
        if (v == null || v.isNull()) {
            throw new IOException(file + ": no '" + key + "'; this checkpoint is damaged, resume from an earlier one"
                    + " by pointing " + LATEST + " at it");
        }
        return v;
    }

    /** Loads the optimizer moments of a checkpoint into {@code optimizer}. */
    public static void readOptimizer(Path checkpoint, AdamW optimizer, long steps, Map<String, Tensor> params)
            throws IOException {
        Map<String, Tensor> avg = new LinkedHashMap<>();
        Map<String, Tensor> avgSq = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve(OPTIMIZER_FILE));
             PointerScope scope = new PointerScope()) {
            for (String key : f.keys()) {
                var info = f.info(key);
                Tensor t = Torch.fromBytes(f.data(key), Torch.scalarType(info.dtype()), info.shape());
                if (key.startsWith("exp_avg/")) {
                    avg.put(key.substring("exp_avg/".length()), t);
                } else if (key.startsWith("exp_avg_sq/")) {
                    avgSq.put(key.substring("exp_avg_sq/".length()), t);
                } else {
                    throw new IOException(f.path() + ": unexpected tensor '" + key + "'");
                }
            }
            if (!avg.keySet().equals(avgSq.keySet())) {
                throw new IOException(f.path() + ": exp_avg and exp_avg_sq name different parameters");
            }
            optimizer.restore(steps, avg, avgSq, params);
        }
    }

    /** Removes temporary folders a killed run left behind. */
    public static void removeLeftovers(Path outputDir) throws IOException {
        if (!Files.isDirectory(outputDir)) {
            return;
        }
        try (Stream<Path> s = Files.list(outputDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void writeOptimizer(Path file, AdamW optimizer) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            optimizer.expAvg().forEach((k, v) -> tensors.put("exp_avg/" + k, data(v)));
            optimizer.expAvgSq().forEach((k, v) -> tensors.put("exp_avg_sq/" + k, data(v)));
        }
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt", "optimizer", "AdamW",
                "step", Long.toString(optimizer.stepCount())));
    }

    private static TensorData data(Tensor t) {
        return TensorData.ofBytes(DType.F32, Torch.shape(t), Torch.toBytes(t.to(Torch.scalarType(DType.F32))));
    }

    private static ObjectNode stateJson(State s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", "xpsr-java-train-1");
        n.put("step", s.step());
        n.put("optimizer_steps", s.optimizerSteps());
        n.put("sample_position", s.samplePosition());
        n.put("loss_scale", s.lossScale());
        n.put("clean_steps", s.cleanSteps());
        n.put("seed", s.seed());
        s.signature().forEach(n.putArray("signature")::add);
        return n;
    }

    /** Moves {@code tmp} to {@code target}; an existing target (a step written again) is replaced. */
    private static void replaceFolder(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            discard(target);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target);
        }
    }

    private static void prune(Path outputDir, int keep, Path current) throws IOException {
        if (keep <= 0) {
            return;
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(outputDir)) {
            all = s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+"))
                    .sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString()
                            .substring(PREFIX.length()))))
                    .toList();
        }
        for (int i = 0; i < all.size() - keep; i++) {
            if (!all.get(i).equals(current)) {
                discard(all.get(i));
            }
        }
    }

    /**
     * Deletes a checkpoint folder by first renaming it to a hidden temporary name, so that a kill in the middle of
     * the deletion leaves a leftover the next run removes, never a visible, half-deleted checkpoint.
     */
    private static void discard(Path checkpoint) throws IOException {
        Path old = checkpoint.resolveSibling(TEMP_PREFIX + "old." + UUID.randomUUID() + ".tmp");
        Files.move(checkpoint, old);
        deleteTree(old);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
