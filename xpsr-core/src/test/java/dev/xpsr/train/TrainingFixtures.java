package dev.xpsr.train;

import dev.xpsr.degrade.DegradationPreset;
import dev.xpsr.degrade.TrainingPairMaker;
import dev.xpsr.io.DType;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.nn.Init;
import dev.xpsr.prompt.PromptKind;
import dev.xpsr.prompt.TestImages;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.Torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny training setup on disk: the tiny SD-1.5 + XPSR model folders and a flat training set made from real
 * photos of {@code fixtures/data/images/hr} by the project's degradation pipeline (SeeSR preset, 80×80 crops of the
 * photos box-shrunk to about 112 px; training crops 64×64 from them), with XPSR's prompt folders.
 */
final class TrainingFixtures {
    static final int CROP = 64;
    /** Side of the pairs on disk (the SeeSR preset needs at least 74); training crops CROP from them. */
    static final int PAIR = 80;
    static final List<String> PHOTOS = List.of("skimage_astronaut.png", "skimage_chelsea.png", "skimage_coffee.png",
            "opencv_baboon.png");

    private TrainingFixtures() {
    }

    record Setup(Path root, TinyXpsrModels.Folders models, Path data) {
        /** A config with small sizes; {@code overrides} replace or add keys. */
        TrainConfig config(Path output, Map<String, Object> overrides) {
            Map<String, Object> m = new HashMap<>();
            m.put("pretrained_model_name_or_path", models.sd15().toString());
            m.put("xpsr_model_path", models.xpsr().toString());
            m.put("train_data_dir", data.toString());
            m.put("output_dir", output.toString());
            m.put("resolution", CROP);
            m.put("train_batch_size", 1);
            m.put("gradient_accumulation_steps", 2);
            m.put("max_train_steps", 4);
            m.put("checkpointing_steps", 2);
            m.put("seed", 7);
            m.putAll(overrides);
            return TrainConfig.fromMap(m, root, "test config");
        }
    }

    /**
     * Writes a random SD UNet into {@code sd15/unet/}, shaped as the XPSR UNet of the same folders (the base model's
     * structure: SD-1.5's or SD-2.x's attention options), so a run can start without an XPSR checkpoint (ControlNet
     * and UNet built from it); returns the UNet written.
     */
    static UNet2DConditionModel writeSdUnet(TinyXpsrModels.Folders folders, long seed) throws IOException {
        JsonConfig unetConfig = JsonConfig.read(folders.xpsr().resolve("unet/config.json"));
        UNet2DConditionModel sd = new UNet2DConditionModel(unetConfig);
        Init.pytorchDefaults(sd, Torch.generator(seed));
        Pretrained.save(sd, unetConfig, folders.sd15().resolve("unet"), "diffusion_pytorch_model", null, DType.F32);
        return sd;
    }

    static Path hrFolder() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    static Setup create(Path root) throws IOException {
        return create(root, TinyXpsrModels.write(root.resolve("models"), 3));
    }

    /** The same training set beside the tiny model folders of an SD-2.x base ({@link TinyXpsrModels#writeSd21}). */
    static Setup createSd21(Path root) throws IOException {
        return create(root, TinyXpsrModels.writeSd21(root.resolve("models"), 3));
    }

    private static Setup create(Path root, TinyXpsrModels.Folders models) throws IOException {
        Path data = root.resolve("data");
        TrainingPairMaker maker = new TrainingPairMaker(DegradationPreset.named("seesr"),
                new TrainingPairMaker.Options(PAIR, 0, 0, true));
        for (int i = 0; i < PHOTOS.size(); i++) {
            String name = PHOTOS.get(i).replace(".png", "");
            RgbImage photo = shrink(ImageFiles.read(hrFolder().resolve(PHOTOS.get(i))), 112);
            TrainingPairMaker.Pair pair = maker.make(photo, 100 + i);
            ImageFiles.writePng(dir(data.resolve("HR")).resolve(name + ".png"), pair.hr());
            ImageFiles.writePng(dir(data.resolve("LR")).resolve(name + ".png"), pair.lr());
            prompt(data, PromptKind.HIGH_LEVEL_GT, name, "a photo of " + name.replace('_', ' '));
            prompt(data, PromptKind.LOW_LEVEL, name, "blurry and noisy");
            prompt(data, PromptKind.LOW_LEVEL_GT, name, "sharp and clean");
        }
        return new Setup(root, models, data);
    }

    /** Box-shrinks by the largest integer factor keeping the shorter side at least {@code side}. */
    static RgbImage shrink(RgbImage in, int side) {
        return TestImages.boxDownscale(in, Math.max(1, Math.min(in.width(), in.height()) / side));
    }

    private static void prompt(Path set, PromptKind kind, String name, String text) throws IOException {
        Files.writeString(dir(set.resolve(kind.folder())).resolve(name + ".txt"), text + "\n");
    }

    private static Path dir(Path p) throws IOException {
        return Files.createDirectories(p);
    }
}
