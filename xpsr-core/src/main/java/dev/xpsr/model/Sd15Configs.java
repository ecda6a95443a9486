package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Stable Diffusion 1.5's real configs (shipped as resources, no weights): the UNet, VAE, CLIP ViT-L/14 text
 * encoder and scheduler, for building full-size networks in benchmarks and memory checks.
 */
public final class Sd15Configs {
    private Sd15Configs() {
    }

    public static JsonConfig unet() {
        return read("unet/config.json");
    }

    public static JsonConfig vae() {
        return read("vae/config.json");
    }

    public static JsonConfig textEncoder() {
        return read("text_encoder/config.json");
    }

    public static JsonConfig scheduler() {
        return read("scheduler/scheduler_config.json");
    }

    private static JsonConfig read(String path) {
        String resource = "/dev/xpsr/configs/sd15/" + path;
        try (InputStream in = Sd15Configs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " missing from the jar");
            }
            return JsonConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
