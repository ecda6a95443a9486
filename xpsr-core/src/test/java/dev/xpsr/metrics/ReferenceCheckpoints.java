package dev.xpsr.metrics;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.io.SafetensorsWriter;
import dev.xpsr.io.TensorData;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Test checkpoints written from key/shape lists spelled out in the tests as the reference's state dicts name them,
 * filled with seeded random values (norm scales around 1, everything else around 0), plus photo fixtures.
 */
final class ReferenceCheckpoints {
    private static final Pattern NORM_SCALE = Pattern.compile("(^|.*\\.)(gn\\w*|norm\\w*)\\.weight");
    private static final Path DATA = Path.of(System.getProperty("xpsr.data", "../fixtures/data"));

    private ReferenceCheckpoints() {
    }

    /** Ordered key → shape map builder. */
    static final class Keys {
        final Map<String, long[]> shapes = new LinkedHashMap<>();

        Keys add(String key, long... shape) {
            if (shapes.put(key, shape) != null) {
                throw new IllegalStateException("duplicate key " + key);
            }
            return this;
        }

        /** {@code prefix.weight} (out, in) and {@code prefix.bias} (out). */
        Keys linear(String prefix, long in, long out) {
            return add(prefix + ".weight", out, in).add(prefix + ".bias", out);
        }

        /** {@code prefix.weight} and {@code prefix.bias}, both (dim): a LayerNorm or GroupNorm. */
        Keys norm(String prefix, long dim) {
            return add(prefix + ".weight", dim).add(prefix + ".bias", dim);
        }
    }

    /** Random float32 tensors for every key of {@code keys}, then the exact {@code fixed} tensors. */
    static Map<String, TensorData> random(Keys keys, long seed, double std, Map<String, TensorData> fixed) {
        Random random = new Random(seed);
        Map<String, TensorData> out = new LinkedHashMap<>();
        keys.shapes.forEach((key, shape) -> {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            boolean scale = NORM_SCALE.matcher(key).matches();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((scale ? 1 : 0) + std * random.nextGaussian());
            }
            out.put(key, TensorData.ofFloats(shape, v));
        });
        out.putAll(fixed);
        return out;
    }

    static Path write(Path dir, String name, Map<String, TensorData> tensors) throws IOException {
        Path file = dir.resolve(name);
        SafetensorsWriter.write(file, tensors, null);
        return file;
    }

    /** A real photo of the fixtures, cropped to keep the tiny networks fast. */
    static RgbImage photo(String name, int x, int y, int width, int height) throws IOException {
        return ImageFiles.read(DATA.resolve("images/hr").resolve(name)).crop(x, y, width, height);
    }
}
