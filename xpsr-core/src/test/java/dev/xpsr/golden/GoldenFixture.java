package dev.xpsr.golden;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.io.SafetensorsFile;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One golden fixture file ({@code <xpsr.golden>/<name>.safetensors}): the reference's inputs, outputs, weights and
 * its {@code __metadata__} (config, extra). The folder comes from the system property {@code xpsr.golden}, so
 * the same tests run on any folder of files with the same names and format. A missing file fails the test.
 */
public final class GoldenFixture implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SafetensorsFile file;

    private GoldenFixture(SafetensorsFile file) {
        this.file = file;
    }

    /** The golden folder the tests read. */
    public static Path folder() {
        return Path.of(System.getProperty("xpsr.golden", "../fixtures/golden"));
    }

    /** Opens {@code <folder>/<name>.safetensors}. */
    public static GoldenFixture open(String name) {
        NativeStartup.ensureStarted();
        Path path = folder().resolve(name + ".safetensors");
        if (!Files.isRegularFile(path)) {
            throw new AssertionError("golden fixture missing: " + path.toAbsolutePath()
                    + " (set -Dxpsr.golden to a folder holding it)");
        }
        try {
            return new GoldenFixture(SafetensorsFile.open(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public SafetensorsFile file() {
        return file;
    }

    /** A metadata entry parsed as JSON ({@code config}, {@code extra}, ...). */
    public JsonNode json(String metadataKey) {
        String text = file.metadata().get(metadataKey);
        if (text == null) {
            throw new AssertionError(file.path() + " has no __metadata__ entry '" + metadataKey + "'");
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String metadata(String key) {
        return file.metadata().get(key);
    }

    public boolean has(String key) {
        return file.contains(key);
    }

    /** The stored tensor as float32 (U8 images are converted to float values 0..255). */
    public Tensor tensor(String key) {
        if (!file.contains(key)) {
            throw new AssertionError(file.path() + " has no tensor '" + key + "'");
        }
        var info = file.info(key);
        Tensor raw = Torch.fromBytes(file.data(key), Torch.scalarType(info.dtype()), info.shape());
        return raw.to(ScalarType.Float);
    }

    /** The tensors {@code prefix.0, prefix.1, ...} in index order. */
    public List<Tensor> tensorList(String prefix) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; file.contains(prefix + "." + i); i++) {
            out.add(tensor(prefix + "." + i));
        }
        if (out.isEmpty()) {
            throw new AssertionError(file.path() + " has no tensors '" + prefix + ".0...'");
        }
        return out;
    }

    @Override
    public void close() {
        file.close();
    }
}
