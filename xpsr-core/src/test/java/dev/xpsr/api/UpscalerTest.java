package dev.xpsr.api;

import dev.xpsr.baseline.NetworkUpscaler;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.baseline.UpscalerJsModels;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.pipeline.OutputSize;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptOrigin;
import dev.xpsr.prompt.PromptSource;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.ThreadCount;
import dev.xpsr.util.BundledData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The library entry point: threads, cancellation, progress and previews, baselines and missing files. */
class UpscalerTest {
    @TempDir
    static Path tmp;
    static TinyXpsrModels.Folders folders;
    static List<RgbImage> photos = new ArrayList<>();

    @BeforeAll
    static void write() throws Exception {
        folders = TinyXpsrModels.write(tmp.resolve("models"), 11);
        RgbImage fruits = ImageFiles.read(BundledData.photos().resolve("opencv_fruits.png"));
        for (int i = 0; i < 3; i++) {
            photos.add(PilResize.resize(fruits.crop(60 * i, 40 + 30 * i, 120, 96), 20, 16));
        }
    }

    private static Upscaler.Builder xpsr() {
        return Upscaler.builder(Method.XPSR).xpsrWeights(folders.xpsr().toString())
                .baseModel(folders.sd15().toString()).threads(1);
    }

    private static UpscaleRequest request(int i) {
        return UpscaleRequest.builder(photos.get(i % photos.size())).name("photo" + i).caption("fruit " + i)
                .seed(100 + i).steps(2).processSize(64).build();
    }

    @Test
    void requestsFromSeveralThreadsGiveTheSameBytesAsOneAfterAnother() throws Exception {
        int n = 5;
        List<byte[]> alone = new ArrayList<>();
        try (Upscaler upscaler = xpsr().build()) {
            for (int i = 0; i < n; i++) {
                alone.add(upscaler.upscale(request(i)).image().toHwcBytes());
            }
        }
        ExecutorService callers = Executors.newFixedThreadPool(n);
        try (Upscaler upscaler = xpsr().concurrency(2).residency(XpsrModels.Residency.SEQUENTIAL).build()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<byte[]>> together = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                together.add(callers.submit(() -> {
                    go.await();
                    return upscaler.upscale(request(k)).image().toHwcBytes();
                }));
            }
            go.countDown();
            for (int i = 0; i < n; i++) {
                assertThat(together.get(i).get(120, TimeUnit.SECONDS)).as("request " + i).isEqualTo(alone.get(i));
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void byDefaultOneRestorationRunsAtATimeAndTheOthersWait() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ProgressListener counting = p -> {
            if (p.stage() == Progress.Stage.PROMPTS) {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
            } else if (p.stage() == Progress.Stage.DECODE) {
                running.decrementAndGet();
            }
        };
        try (Upscaler upscaler = xpsr().build()) {
            List<UpscaleJob> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(upscaler.submit(request(i).toBuilder().listener(counting).build()));
            }
            for (UpscaleJob job : jobs) {
                job.join();
                assertThat(job.state()).isEqualTo(UpscaleJob.State.DONE);
            }
            assertThat(most.get()).isEqualTo(1);
            assertThat(upscaler.pending()).isZero();
        }
    }

    @Test
    void cancellingStopsBeforeTheNextStepAndFreesTheStageNetworks() throws Exception {
        List<XpsrUNet2DConditionModel> loadedUnets = new CopyOnWriteArrayList<>();
        XpsrModels models = countingSequentialModels(loadedUnets);
        List<Integer> steps = new CopyOnWriteArrayList<>();
        try (Upscaler upscaler = Upscaler.builder(Method.XPSR).models(models).threads(1).build()) {
            UpscaleJob[] job = new UpscaleJob[1];
            CountDownLatch submitted = new CountDownLatch(1);
            ProgressListener cancelAtTwo = p -> {
                if (p.stage() == Progress.Stage.DENOISE && p.step() > 0) {
                    steps.add(p.step());
                    if (p.step() == 2) {
                        awaitQuietly(submitted);
                        job[0].cancel();
                    }
                }
            };
            job[0] = upscaler.submit(request(0).toBuilder().steps(6).listener(cancelAtTwo).build());
            submitted.countDown();
            assertThatThrownBy(job[0]::join).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("before step 3 of 6");
            assertThat(job[0].state()).isEqualTo(UpscaleJob.State.CANCELLED);
            assertThat(steps).containsExactly(1, 2);
            assertThat(loadedUnets).isNotEmpty().allSatisfy(unet -> assertThat(unet.namedParameters().values())
                    .as("the cancelled stage's UNet is freed").allSatisfy(t -> assertThat(t.numel()).isZero()));
            // the upscaler still works afterwards
            assertThat(upscaler.upscale(request(1)).image().width()).isEqualTo(photos.get(1).width() * 4);
        }
    }

    @Test
    void aQueuedRequestCancelledNeverStarts() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Upscaler upscaler = xpsr().build()) {
            UpscaleJob first = upscaler.submit(request(0).toBuilder().listener(p -> awaitQuietly(release)).build());
            AtomicInteger secondEvents = new AtomicInteger();
            UpscaleJob second = upscaler.submit(request(1).toBuilder()
                    .listener(p -> secondEvents.incrementAndGet()).build());
            assertThat(second.state()).isEqualTo(UpscaleJob.State.QUEUED);
            assertThat(second.cancel()).isTrue();
            release.countDown();
            first.join();
            assertThatThrownBy(second::join).isInstanceOf(CancellationException.class)
                    .hasMessageContaining("before it started");
            assertThat(secondEvents.get()).isZero();
            assertThat(second.cancel()).as("already finished").isFalse();
        }
    }

    @Test
    void progressCarriesStepsEtaAndPreviewsEveryKStepsAndAtTheEnd() throws Exception {
        List<Progress> seen = new CopyOnWriteArrayList<>();
        try (Upscaler upscaler = xpsr().build()) {
            UpscaleResult r = upscaler.upscale(request(0).toBuilder().steps(5).previewEvery(2).listener(seen::add)
                    .build());
            assertThat(seen.stream().map(Progress::stage).distinct()).containsExactly(Progress.Stage.PROMPTS,
                    Progress.Stage.ENCODE, Progress.Stage.DENOISE, Progress.Stage.DECODE);
            List<Progress> steps = seen.stream().filter(p -> p.stage() == Progress.Stage.DENOISE && p.step() > 0)
                    .toList();
            assertThat(steps).extracting(Progress::step).containsExactly(1, 2, 3, 4, 5);
            assertThat(steps).allSatisfy(p -> assertThat(p.eta()).isPresent());
            assertThat(steps.get(4).eta().orElseThrow()).isZero();
            assertThat(steps).filteredOn(p -> p.preview().isPresent()).extracting(Progress::step)
                    .containsExactly(2, 4, 5);
            RgbImage preview = steps.get(4).preview().orElseThrow();
            assertThat(preview.width() * preview.height()).isPositive()
                    .isLessThan(r.image().width() * r.image().height());
            assertThat(steps.get(4).fraction()).isEqualTo(1.0);
        }
    }

    @Test
    void closeCancelsWhatIsPendingAndRefusesNewRequests() throws Exception {
        Upscaler upscaler = xpsr().build();
        CountDownLatch started = new CountDownLatch(1);
        UpscaleJob running = upscaler.submit(request(0).toBuilder().steps(50).listener(p -> started.countDown())
                .build());
        UpscaleJob queued = upscaler.submit(request(1));
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        upscaler.close();
        assertThat(running.state()).isEqualTo(UpscaleJob.State.CANCELLED);
        assertThat(queued.state()).isEqualTo(UpscaleJob.State.CANCELLED);
        assertThatThrownBy(() -> upscaler.submit(request(2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        upscaler.close();
    }

    @Test
    void aThreadsChoiceChangesNoOtherThread() throws Exception {
        int callerBefore = ThreadCount.ofCurrentThread();
        int newBefore = ThreadCount.forNewThreads();
        int other = callerBefore == 1 ? 2 : 1;
        AtomicInteger onWorker = new AtomicInteger();
        try (Upscaler upscaler = xpsr().threads(other).build()) {
            upscaler.upscale(request(0).toBuilder().listener(p -> onWorker.set(ThreadCount.ofCurrentThread()))
                    .build());
        }
        assertThat(onWorker.get()).isEqualTo(other);
        assertThat(ThreadCount.ofCurrentThread()).isEqualTo(callerBefore);
        assertThat(ThreadCount.forNewThreads()).isEqualTo(newBefore);
    }

    @Test
    void theResultRecordsMethodPromptsAndSettings() throws Exception {
        try (Upscaler upscaler = xpsr().build()) {
            UpscaleResult r = upscaler.upscale(request(2).toBuilder().lowlevelPrompt("slightly blurry").build());
            assertThat(r.method()).isEqualTo(Method.XPSR);
            assertThat(r.textChunks()).containsEntry("xpsr:method", "xpsr").containsEntry("xpsr:seed", "102")
                    .containsEntry("xpsr:lowlevel_prompt", "slightly blurry").containsEntry("xpsr:fusion", "parallel")
                    .containsKeys("xpsr:prompt", "xpsr:settings", "xpsr:prompt_source", "xpsr:placement");
            assertThat(upscaler.controlNetLayout()).contains(XpsrControlNetLayout.XPSR);
            assertThat(r.textChunks().get("xpsr:prompt")).startsWith("fruit 2 ");
            assertThat(r.textChunks().get("xpsr:settings")).contains("steps=2", "sampler=ddpm");
        }
    }

    @Test
    void switchedOffPromptsAreNotAskedForAndTheOutputRecordsTheSwitches() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        PromptSource counting = new PromptSource() {
            @Override
            public Optional<Prompt> prompt(String name, RgbImage image) {
                asked.incrementAndGet();
                return Optional.of(new Prompt("asked", PromptOrigin.ARGUMENT, "counting"));
            }

            @Override
            public String describe() {
                return "counting";
            }
        };
        try (Upscaler upscaler = xpsr().promptSources(counting, counting).build()) {
            UpscaleResult r = upscaler.upscale(UpscaleRequest.builder(photos.get(0)).steps(2).processSize(64)
                    .useHighlevelPrompt(false).useLowlevelPrompt(false).useNegativePrompts(false).build());
            assertThat(asked).hasValue(0);
            assertThat(r.textChunks()).containsEntry("xpsr:prompt", " " + XpsrPrompts.ADDED_PROMPT)
                    .containsEntry("xpsr:negative_prompt", "").containsEntry("xpsr:lowlevel_prompt", "")
                    .containsEntry("xpsr:lowlevel_negative_prompt", "");
            assertThat(r.textChunks().get("xpsr:prompt_source")).isEqualTo(
                    "high-level none (switched off), low-level none (switched off)");
            assertThat(r.textChunks().get("xpsr:settings"))
                    .contains("highlevelPrompt=off, lowlevelPrompt=off, negativePrompts=off");
            assertThat(upscaler.upscale(request(0)).textChunks().get("xpsr:settings"))
                    .contains("highlevelPrompt=on, lowlevelPrompt=on, negativePrompts=on");
            assertThat(asked).as("the default asks both sources only when no caption is given").hasValue(1);
        }
        assertThatThrownBy(() -> UpscaleRequest.builder(photos.get(0)).prompts(Prompts.xpsr("a", "b"))
                .useHighlevelPrompt(false).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("useHighlevelPrompt(false)");
    }

    @Test
    void invalidSettingsNameTheFieldAndTheRange() {
        assertThatThrownBy(() -> request(0).toBuilder().steps(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("steps must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> request(0).toBuilder().guidance(-1).build())
                .hasMessageContaining("guidance must be");
        assertThatThrownBy(() -> Upscaler.builder(Method.XPSR).concurrency(0))
                .hasMessage("concurrency must be at least 1, got 0");
    }

    @Test
    void missingXpsrWeightsNameTheFilesWhereToGetThemAndAMethodThatRuns() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty-checkpoint"));
        assertThatThrownBy(() -> Upscaler.builder(Method.XPSR).xpsrWeights(empty.toString()).build())
                .isInstanceOf(MethodUnavailableException.class)
                .hasMessageContaining(empty.resolve("controlnet").toString())
                .hasMessageContaining(empty.resolve("unet").toString())
                .hasMessageContaining("drive.google.com")
                .hasMessageContaining("--method ");
        assertThatThrownBy(() -> Upscaler.builder(Method.XPSR).build())
                .isInstanceOf(MethodUnavailableException.class).hasMessageContaining("no folder given");
        Path noModels = Files.createDirectories(tmp.resolve("no-models"));
        assertThatThrownBy(() -> Upscaler.builder(Method.RDN_SLIM).baselineModels(noModels).build())
                .isInstanceOf(MethodUnavailableException.class)
                .hasMessageContaining("@upscalerjs/esrgan-slim@1.0.0")
                .hasMessageContaining("--method bicubic-pil");
    }

    @Test
    void baselinesRunThroughTheSameApiWithTheirOwnBytes() throws Exception {
        RgbImage lr = photos.get(0);
        try (Upscaler pil = Upscaler.builder(Method.BICUBIC_PIL).build()) {
            UpscaleResult r = pil.upscale(UpscaleRequest.builder(lr).upscale(3).build());
            assertThat(r.image().toHwcBytes()).isEqualTo(new PilBicubicUpscaler(3).upscale(lr).toHwcBytes());
            assertThat(r.textChunks()).containsEntry("xpsr:method", "bicubic-pil").doesNotContainKey("xpsr:seed")
                    .doesNotContainKey("xpsr:fusion");
            assertThatThrownBy(() -> pil.upscale(UpscaleRequest.builder(lr).outputSize(new OutputSize(50, 40))
                    .build())).hasMessageContaining("outputSize is an XPSR setting; bicubic-pil scales by an integer");
        }
        Path json = BundledData.models().resolve("upscalerjs-esrgan-slim/x4/model.json");
        try (Upscaler rdn = Upscaler.builder(Method.RDN_SLIM).build();
             NetworkUpscaler direct = UpscalerJsModels.load(json)) {
            assertThat(rdn.upscale(UpscaleRequest.builder(lr).build()).image().toHwcBytes())
                    .isEqualTo(direct.upscale(lr).toHwcBytes());
            assertThatThrownBy(() -> rdn.upscale(UpscaleRequest.builder(lr).upscale(2).build()))
                    .isInstanceOf(UpscaleException.class).hasMessageContaining("upscale must be 4 for rdn-slim");
        }
    }

    @Test
    void aClosedNetworkRefusesToRunInsteadOfReadingFreedWeights() throws Exception {
        NetworkUpscaler rdn = UpscalerJsModels.load(BundledData.models()
                .resolve("upscalerjs-esrgan-slim/x4/model.json"));
        rdn.close();
        assertThatThrownBy(() -> rdn.upscale(photos.get(0))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        rdn.close();
    }

    /** Sequential models whose every loaded UNet is recorded, to check they are freed. */
    private static XpsrModels countingSequentialModels(List<XpsrUNet2DConditionModel> unets) throws Exception {
        XpsrModels r = XpsrModels.load(folders.sd15(), folders.xpsr(), null);
        Path sd = folders.sd15();
        Path x = folders.xpsr();
        return XpsrModels.sequential(r.tokenizer(), p -> Pretrained.textEncoder(sd.resolve("text_encoder"), null, p),
                p -> Pretrained.vae(sd.resolve("vae"), null, p),
                p -> Pretrained.xpsrControlNet(x.resolve("controlnet"), null, p), p -> {
                    XpsrUNet2DConditionModel unet = Pretrained.xpsrUnet(x.resolve("unet"), null, p);
                    unets.add(unet);
                    return unet;
                }, r.schedulerConfig(), r.controlNetLayout());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
