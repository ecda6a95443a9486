package dev.xpsr.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.util.BundledData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Stable Diffusion 2.x base model folder through the inference pipeline: the tokenizer pads with the folder's pad
 * token, the scheduler keeps v-prediction, and XPSR's networks with SD-2.x's attention options restore a photo.
 */
class Sd21BaseModelTest {

    @Test
    void anSd2BaseModelFolderLoadsWithItsOwnTokensAndSamplerAndRestoresAPhoto(@TempDir Path tmp) throws Exception {
        TinyXpsrModels.Folders folders = TinyXpsrModels.writeSd21(tmp, 21);
        Path tokenizer = folders.sd15().resolve("tokenizer");
        ObjectMapper json = new ObjectMapper();
        String pad = json.readTree(tokenizer.resolve("special_tokens_map.json").toFile()).required("pad_token")
                .asText();
        int padId = json.readTree(tokenizer.resolve("vocab.json").toFile()).required(pad).asInt();
        String prediction = json.readTree(folders.sd15().resolve("scheduler/scheduler_config.json").toFile())
                .required("prediction_type").asText();
        RgbImage photo = PilResize.resize(ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"))
                .crop(60, 40, 120, 96), 20, 16);

        try (XpsrModels models = XpsrModels.load(folders.sd15(), folders.xpsr(), null)) {
            assertThat(models.tokenizer().padId()).as("pad id of '" + pad + "'").isEqualTo(padId);
            assertThat(models.tokenizer().encode("a cat!")).contains(padId).endsWith(padId);
            assertThat(models.schedulerConfig().predictionType()).isEqualTo(prediction);
            UpscaleOptions options = UpscaleOptions.builder().steps(2).processSize(64).build();
            XpsrPipeline.Result r = new XpsrPipeline(models).upscale(photo, Prompts.xpsr("fruit!", "blurry"), options,
                    XpsrPipeline.Observer.NONE);
            assertThat(r.image().width()).isEqualTo(4 * photo.width());
            assertThat(r.image().height()).isEqualTo(4 * photo.height());
            assertThat(r.beforeColorFix().toHwcBytes()).as("a generated image, not a blank one")
                    .matches(bytes -> distinct(bytes) > 16);
        }
    }

    private static long distinct(byte[] bytes) {
        boolean[] seen = new boolean[256];
        long n = 0;
        for (byte b : bytes) {
            if (!seen[b & 0xFF]) {
                seen[b & 0xFF] = true;
                n++;
            }
        }
        return n;
    }
}
