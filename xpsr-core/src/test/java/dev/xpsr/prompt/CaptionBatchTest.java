package dev.xpsr.prompt;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A folder captioned with resume, failures recorded and the batch carrying on. */
class CaptionBatchTest {
    @TempDir
    Path dataset;

    private Path lr;

    /** LR/a.png, LR/b.png, LR/c.jpg readable; LR/broken.png not an image; LR/notes.txt not an image file. */
    private List<CaptionBatch.Target> folder() throws Exception {
        lr = Files.createDirectories(dataset.resolve("LR"));
        ImageFiles.writePng(lr.resolve("a.png"), RgbImage.filled(40, 30, 10, 200, 30));
        ImageFiles.writePng(lr.resolve("b.png"), RgbImage.filled(40, 30, 200, 10, 30));
        Files.copy(lr.resolve("b.png"), lr.resolve("c.jpg"));
        Files.writeString(lr.resolve("broken.png"), "not a png");
        Files.writeString(lr.resolve("notes.txt"), "ignored");
        Files.writeString(lr.resolve(".hidden.png"), "ignored");
        return CaptionBatch.imagesUnder(lr);
    }

    /** A stand-in server that fails for image "b" and counts its calls. */
    private static final class FlakyServer implements CaptionClient {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String caption(RgbImage image, String instruction) throws CaptionException {
            calls.incrementAndGet();
            if (image.get(0, 0, 0) == 200) {
                throw new CaptionException(CaptionException.Kind.SERVER_ERROR, 503, 4, "flaky: HTTP 503", null);
            }
            return "A green rectangle.";
        }

        @Override
        public String describe() {
            return "flaky";
        }
    }

    @Test
    void writesWhatIsMissingRecordsFailuresAndResumes() throws Exception {
        List<CaptionBatch.Target> images = folder();
        assertThat(images).extracting(CaptionBatch.Target::name).containsExactly("a", "b", "broken", "c");
        FlakyServer server = new FlakyServer();
        PromptStore store = new PromptStore(dataset);
        CaptionBatch batch = new CaptionBatch(store, List.of(
                new CaptionBatch.Job(PromptKind.HIGH_LEVEL, ServerPromptSource.forKind(server, PromptKind.HIGH_LEVEL)),
                new CaptionBatch.Job(PromptKind.LOW_LEVEL, new AnalyserPromptSource(new DegradationAnalyser()))),
                false, 3);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CaptionBatch.Report first = batch.run(images, r -> seen.add(r.image().getFileName().toString()));
        assertThat(seen).containsExactlyInAnyOrder("a.png", "b.png", "broken.png", "c.jpg");
        // a: both; b and c: low-level only (the server fails on red); broken: nothing
        assertThat(first.written()).isEqualTo(4);
        assertThat(first.skipped()).isZero();
        assertThat(first.failures()).hasSize(4);
        assertThat(first.failures()).extracting(Object::toString).anySatisfy(s -> assertThat(s)
                .startsWith("b.png [highlevel_prompt]: flaky: HTTP 503"));
        assertThat(first.failures()).filteredOn(f -> f.image().getFileName().toString().equals("broken.png"))
                .hasSize(2);
        assertThat(store.read(PromptKind.HIGH_LEVEL, "a")).hasValue("A green rectangle.");
        assertThat(store.read(PromptKind.LOW_LEVEL, "b").orElseThrow()).contains("overall quality is");
        assertThat(store.has(PromptKind.HIGH_LEVEL, "b")).isFalse();
        assertThat(first.summary()).isEqualTo("4 images: 4 prompt files written, 0 already there, 4 failed");

        int callsBefore = server.calls.get();
        CaptionBatch.Report second = batch.run(images, r -> { });
        assertThat(second.skipped()).isEqualTo(4);
        assertThat(second.written()).isZero();
        // only what was missing is asked again: b and c high-level (and broken.png, which cannot be read)
        assertThat(server.calls.get() - callsBefore).isEqualTo(2);
        assertThat(second.failures()).hasSize(4);
        try (var files = Files.list(dataset.resolve("highlevel_prompt"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("a.txt");
        }
    }

    @Test
    void overwriteRewritesExistingPrompts() throws Exception {
        List<CaptionBatch.Target> images = folder().subList(0, 1);
        PromptStore store = new PromptStore(dataset);
        store.write(PromptKind.HIGH_LEVEL, "a", "old");
        CaptionBatch.Job job = new CaptionBatch.Job(PromptKind.HIGH_LEVEL, new FixedPromptSource("new\n"));
        assertThat(new CaptionBatch(store, List.of(job), false, 1).run(images, r -> { }).skipped()).isEqualTo(1);
        assertThat(store.read(PromptKind.HIGH_LEVEL, "a")).hasValue("old");
        assertThat(new CaptionBatch(store, List.of(job), true, 1).run(images, r -> { }).written()).isEqualTo(1);
        assertThat(store.read(PromptKind.HIGH_LEVEL, "a")).hasValue("new");
    }

    @Test
    void subFolderImagesAreNamedByTheirPathAndTheirPromptsMirrorTheTree() throws Exception {
        folder();
        Path sub = Files.createDirectories(lr.resolve("sub/deeper"));
        ImageFiles.writePng(sub.resolve("d.png"), RgbImage.filled(40, 30, 10, 20, 30));
        Path hidden = Files.createDirectories(lr.resolve(".cache"));
        ImageFiles.writePng(hidden.resolve("e.png"), RgbImage.filled(40, 30, 10, 20, 30));
        List<CaptionBatch.Target> targets = CaptionBatch.imagesUnder(lr);
        assertThat(targets).extracting(CaptionBatch.Target::name).containsExactly("a", "b", "broken", "c",
                "sub/deeper/d");
        PromptStore store = new PromptStore(dataset);
        CaptionBatch.Job job = new CaptionBatch.Job(PromptKind.HIGH_LEVEL_GT, new FixedPromptSource("deep"));
        new CaptionBatch(store, List.of(job), false, 1).run(targets.subList(4, 5), r -> { });
        assertThat(dataset.resolve("highlevel_prompt_GT/sub/deeper/d.txt")).hasContent("deep");
        assertThat(store.read(PromptKind.HIGH_LEVEL_GT, "sub/deeper/d")).hasValue("deep");
        assertThatThrownBy(() -> store.file(PromptKind.HIGH_LEVEL, "sub/../x")).isInstanceOf(
                IllegalArgumentException.class);
    }

    @Test
    void aMissingFolderIsAnError() {
        assertThatThrownBy(() -> CaptionBatch.imagesUnder(dataset.resolve("nope")))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("not a folder");
    }
}
