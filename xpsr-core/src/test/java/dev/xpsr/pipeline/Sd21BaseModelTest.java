package dev.xpsr.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.util.BundledData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Stable Diffusion 2.x base model folder through the inference pipeline: the tokenizer pads with the folder's pad
 * token, the scheduler keeps v-prediction, XPSR's networks with SD-2.x's attention options restore a photo, and the
 * ablations' inference switches apply to it as to SD-1.5.
 */
class Sd21BaseModelTest {
    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders folders;
    static XpsrModels models;
    static RgbImage photo;
    static final UpscaleOptions BASE = UpscaleOptions.builder().steps(2).processSize(64).build();

    @BeforeAll
    static void load() throws Exception {
        folders = TinyXpsrModels.writeSd21(tmp, 21);
        models = XpsrModels.load(folders.sd15(), folders.xpsr(), null);
        photo = PilResize.resize(ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"))
                .crop(60, 40, 120, 96), 20, 16);
    }

    @AfterAll
    static void close() {
        models.close();
    }

    private static XpsrPipeline.Result restore(Prompts prompts, UpscaleOptions options) {
        return new XpsrPipeline(models).upscale(photo, prompts, options, XpsrPipeline.Observer.NONE);
    }

    @Test
    void anSd2BaseModelFolderLoadsWithItsOwnTokensAndSamplerAndRestoresAPhoto() throws Exception {
        Path tokenizer = folders.sd15().resolve("tokenizer");
        ObjectMapper json = new ObjectMapper();
        String pad = json.readTree(tokenizer.resolve("special_tokens_map.json").toFile()).required("pad_token")
                .asText();
        int padId = json.readTree(tokenizer.resolve("vocab.json").toFile()).required(pad).asInt();
        String prediction = json.readTree(folders.sd15().resolve("scheduler/scheduler_config.json").toFile())
                .required("prediction_type").asText();

        assertThat(models.tokenizer().padId()).as("pad id of '" + pad + "'").isEqualTo(padId);
        assertThat(models.tokenizer().encode("a cat!")).contains(padId).endsWith(padId);
        assertThat(models.schedulerConfig().predictionType()).isEqualTo(prediction);
        XpsrPipeline.Result r = restore(Prompts.xpsr("fruit!", "blurry"), BASE);
        assertThat(r.image().width()).isEqualTo(4 * photo.width());
        assertThat(r.image().height()).isEqualTo(4 * photo.height());
        assertThat(r.beforeColorFix().toHwcBytes()).as("a generated image, not a blank one")
                .matches(bytes -> distinct(bytes) > 16);
    }

    /**
     * Without a low-level context and without guidance, neither the low-level prompt nor the negative prompts reach
     * SD-2.x's networks, while with them the low-level prompt changes the result; the scale applies as well.
     */
    @Test
    void theAblationSwitchesApplyToAnSd2BaseModel() {
        UpscaleOptions switchedOff = BASE.toBuilder().useLowlevelPrompt(false).guidance(1.0).upscale(2).build();
        Prompts p = Prompts.xpsr("fruit", "blurry");
        Prompts other = new Prompts(p.positive(), "other", "sharp and clean", "words");
        RgbImage off = restore(p, switchedOff).image();
        assertThat(restore(other, switchedOff).image().toHwcBytes()).isEqualTo(off.toHwcBytes());
        assertThat(off.width()).isEqualTo(2 * photo.width());
        assertThat(restore(p, BASE).image().toHwcBytes())
                .isNotEqualTo(restore(new Prompts(p.positive(), p.negative(), "sharp and clean", p.lowlevelNegative()),
                        BASE).image().toHwcBytes());
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
