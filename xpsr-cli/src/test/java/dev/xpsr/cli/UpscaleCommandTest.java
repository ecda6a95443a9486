package dev.xpsr.cli;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.testing.TinyXpsrModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code xpsr upscale} end to end on a real photo with a tiny XPSR model set written by the test. */
class UpscaleCommandTest {
    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders models;
    static Path input;

    @BeforeAll
    static void prepare() throws Exception {
        models = TinyXpsrModels.write(tmp.resolve("models"), 5);
        Path photo = Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr/skimage_chelsea.png");
        RgbImage hr = ImageFiles.read(photo);
        RgbImage lr = PilResize.resize(hr.crop(120, 30, 192, 144), 48, 36);
        input = Files.createDirectories(tmp.resolve("in")).resolve("chelsea.png");
        ImageFiles.writePng(input, lr);
    }

    private int upscale(Path out, long seed, String... extra) {
        String[] base = {"upscale", input.toString(), "-o", out.toString(), "--model", models.sd15().toString(),
                "--xpsr", models.xpsr().toString(), "--steps", "2", "--process-size", "64", "--seed",
                Long.toString(seed), "--threads", "2"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Main.run(args);
    }

    @Test
    void writesAFourTimesLargerPngWithItsSettingsAndReproducesItBitForBit() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        assertThat(upscale(a, 7, "--prompt", "a cat", "--lowlevel-prompt", "The image is blurry.")).isZero();
        assertThat(upscale(b, 7, "--prompt", "a cat", "--lowlevel-prompt", "The image is blurry.")).isZero();
        assertThat(upscale(c, 8, "--prompt", "a cat", "--lowlevel-prompt", "The image is blurry.")).isZero();

        Path outA = a.resolve("chelsea.png");
        RgbImage result = ImageFiles.read(outA);
        assertThat(result.width()).isEqualTo(48 * 4);
        assertThat(result.height()).isEqualTo(36 * 4);
        assertThat(Files.readAllBytes(outA)).isEqualTo(Files.readAllBytes(b.resolve("chelsea.png")));
        assertThat(ImageFiles.read(c.resolve("chelsea.png"))).isNotEqualTo(result);

        Map<String, String> text = ImageFiles.readPngText(outA);
        assertThat(text.get("xpsr:prompt")).isEqualTo("a cat clean, high-resolution, 8k, high quality, clear text.");
        assertThat(text.get("xpsr:lowlevel_prompt")).isEqualTo("The image is blurry.");
        assertThat(text.get("xpsr:seed")).isEqualTo("7");
    }

    @Test
    void promptsComeFromTheFolderThenTheAnalyserAndTheOutputSaysWhich() throws Exception {
        Path set = Files.createDirectories(tmp.resolve("set"));
        new dev.xpsr.prompt.PromptStore(set).write(dev.xpsr.prompt.PromptKind.HIGH_LEVEL, "chelsea", "A ginger cat.");
        Path out = tmp.resolve("sources");
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(upscale(out, 7, "--prompt-dir", set.toString())).isZero();
        } finally {
            System.setOut(original);
        }
        Map<String, String> text = ImageFiles.readPngText(out.resolve("chelsea.png"));
        assertThat(text.get("xpsr:prompt")).isEqualTo("A ginger cat. clean, high-resolution, 8k, high quality, clear text.");
        assertThat(text.get("xpsr:lowlevel_prompt")).contains("overall quality is");
        assertThat(text.get("xpsr:prompt_source")).startsWith("high-level folder (").endsWith(
                "low-level analyser (built-in analyser)");
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("; prompts: high-level folder (");
    }

    @Test
    void theAblationSwitchesReachTheRequestAndThePngRecordsThemWithTheFusionMode() throws Exception {
        Path out = tmp.resolve("switches");
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(upscale(out, 7, "--prompt", "a cat", "--no-highlevel", "--no-lowlevel",
                    "--no-negative-prompts")).isZero();
        } finally {
            System.setOut(original);
        }
        Map<String, String> text = ImageFiles.readPngText(out.resolve("chelsea.png"));
        assertThat(text.get("xpsr:prompt")).isEqualTo(" clean, high-resolution, 8k, high quality, clear text.");
        assertThat(text.get("xpsr:lowlevel_prompt")).isEmpty();
        assertThat(text.get("xpsr:negative_prompt")).isEmpty();
        assertThat(text.get("xpsr:lowlevel_negative_prompt")).isEmpty();
        assertThat(text.get("xpsr:fusion")).isEqualTo("parallel");
        assertThat(text.get("xpsr:settings")).contains("highlevelPrompt=off, lowlevelPrompt=off, negativePrompts=off");
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("fusion parallel, pixel and latent DFC heads");
    }

    @Test
    void scaleAndSizeSetTheOutputDimensions() throws Exception {
        Path same = tmp.resolve("scale-1");
        assertThat(upscale(same, 7, "--prompt", "a cat", "--scale", "1", "--lowlevel-negative-prompt", "sharp"))
                .isZero();
        RgbImage restored = ImageFiles.read(same.resolve("chelsea.png"));
        assertThat(restored.width()).isEqualTo(48);
        assertThat(restored.height()).isEqualTo(36);
        assertThat(ImageFiles.readPngText(same.resolve("chelsea.png")).get("xpsr:lowlevel_negative_prompt"))
                .isEqualTo("sharp");
        Path sized = tmp.resolve("size");
        assertThat(upscale(sized, 7, "--prompt", "a cat", "--size", "100x70")).isZero();
        RgbImage exact = ImageFiles.read(sized.resolve("chelsea.png"));
        assertThat(exact.width()).isEqualTo(100);
        assertThat(exact.height()).isEqualTo(70);
        assertThat(ImageFiles.readPngText(sized.resolve("chelsea.png")).get("xpsr:settings"))
                .contains("outputSize=100x70");
        assertThat(upscale(tmp.resolve("bad-size"), 7, "--size", "100")).isEqualTo(2);
    }

    @Test
    void theLowlevelPromptCanBeAskedFromTheCaptionServerBeforeTheAnalyser() {
        UpscaleCommand command = parsed("--caption-server", "http://127.0.0.1:9", "--caption-model", "llava",
                "--lowlevel-model", "q-instruct");
        assertThat(command.prompts.lowlevel().describe())
                .startsWith("server openai http://127.0.0.1:9 model q-instruct, then ").contains("analyser");
        UpscaleCommand noServer = parsed("--lowlevel-model", "q");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> noServer.prompts.lowlevel())
                .hasMessage("--lowlevel-model needs --caption-server");
    }

    /** The command with its options parsed as Main parses them, not run. */
    private static UpscaleCommand parsed(String... options) {
        UpscaleCommand command = new UpscaleCommand();
        new picocli.CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true)
                .parseArgs(append(new String[] {input.toString(), "-o", "out"}, options));
        return command;
    }

    @Test
    void aBadFileIsReportedAndTheBatchGoesOn() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Files.copy(input, dir.resolve("good.png"));
        Files.writeString(dir.resolve("broken.png"), "not an image");
        Path out = tmp.resolve("mixed-out");
        String[] args = {"upscale", dir.toString(), "-o", out.toString(), "--model", models.sd15().toString(),
                "--xpsr", models.xpsr().toString(), "--steps", "1", "--process-size", "64"};
        assertThat(Main.run(args)).isEqualTo(1);
        assertThat(out.resolve("good.png")).exists();
        assertThat(out.resolve("broken.png")).doesNotExist();
        assertThat(Main.run(append(args, "--skip-existing"))).isEqualTo(1);
    }

    @Test
    void missingModelFolderIsAClearErrorWithExitCodeTwo() {
        String[] args = {"upscale", input.toString(), "-o", tmp.resolve("x").toString(), "--model",
                tmp.resolve("nowhere").toString(), "--xpsr", models.xpsr().toString()};
        assertThat(Main.run(args)).isEqualTo(2);
    }

    private static String[] append(String[] a, String... more) {
        String[] out = new String[a.length + more.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }
}
