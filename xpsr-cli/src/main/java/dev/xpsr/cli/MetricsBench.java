package dev.xpsr.cli;

import dev.xpsr.bench.RandomWeightMetrics;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.metrics.DistributionMetric;
import dev.xpsr.metrics.Fid;
import dev.xpsr.metrics.FrechetDistance;
import dev.xpsr.metrics.Metric;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.metrics.MetricUnavailableException;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.torch.Placement;
import dev.xpsr.util.ProcessMemory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * {@code xpsr bench --subject metrics}: the throughput of each metric of the {@link MetricRegistry} in images per
 * second at 512×512. The images are centre crops of the bundled photos; full-reference metrics compare a Pillow
 * bicubic ½ down-up of each crop with the crop, no-reference metrics score the down-ups. A network metric uses its
 * real weight files when the weights folder has them, otherwise the full-size network with random weights
 * ({@link RandomWeightMetrics}: same compute and memory, meaningless scores); a metric that can be built neither
 * way is reported as skipped with the reason. FID is timed in its two parts: the Inception features per image and
 * the Fréchet distance of two sets of 2048-d features.
 */
final class MetricsBench {
    /** Side of the benchmark images. */
    static final int SIDE = 512;

    private final PrintWriter out;
    private final ToDoubleFunction<Runnable> timed;
    private final int runs;
    private final long seed;

    /**
     * @param timed the median seconds of the timed passes of a pass, warm-ups first (the bench's run settings)
     * @param runs  number of timed passes, for the report
     */
    MetricsBench(PrintWriter out, ToDoubleFunction<Runnable> timed, int runs, long seed) {
        this.out = out;
        this.timed = timed;
        this.runs = runs;
        this.seed = seed;
    }

    /**
     * Times {@code names} (every registry metric when null or empty) on {@code count} images.
     *
     * @throws IllegalArgumentException naming the option for an unknown metric or a bad count
     */
    void run(List<String> names, int count, Path dataDir, Path weightsDir) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("--images must be at least 1, got " + count);
        }
        MetricRegistry registry = MetricRegistry.standard(MetricRegistry.Settings.defaults(dataDir, weightsDir));
        Set<String> wanted = wanted(registry, names);
        Path photos = dataDir.resolve("images").resolve("hr");
        List<RgbImage> references = crops(photos, count);
        List<RgbImage> images = new ArrayList<>();
        for (RgbImage r : references) {
            images.add(PilResize.resize(PilResize.resize(r, SIDE / 2, SIDE / 2), SIDE, SIDE));
        }
        out.printf("%d images of %dx%d: centre crops of the photos in %s (full-reference metrics: a bicubic 1/2 "
                + "down-up of each against the crop); weights from %s, else random weights (seed %d)%n", count, SIDE,
                SIDE, photos, weightsDir, seed);
        for (MetricRegistry.Entry<Metric> e : registry.entries()) {
            if (wanted.contains(e.name())) {
                Metric m = load(e, RandomWeightMetrics.METRICS.contains(e.name())
                        ? () -> RandomWeightMetrics.metric(e.name(), Placement.CPU_FP32, seed) : null);
                if (m != null) {
                    List<RgbImage> refs = m.needsReference() ? references : null;
                    report(m.name(), m.description(), count, timed.applyAsDouble(() -> m.scores(images, refs)));
                }
            }
        }
        for (MetricRegistry.Entry<DistributionMetric> e : registry.distributionEntries()) {
            if (wanted.contains(e.name())) {
                DistributionMetric m = load(e, RandomWeightMetrics.FID.equals(e.name())
                        ? () -> RandomWeightMetrics.fid(Placement.CPU_FP32, seed) : null);
                if (m instanceof Fid fid) {
                    timeFid(fid, images, references);
                } else if (m != null) {
                    skip(m.name(), "no per-image part to time");
                }
            }
        }
        out.printf("peak RSS %s (the whole run, building the metrics included)%n",
                ProcessMemory.format(ProcessMemory.peakRssBytes()));
    }

    private void timeFid(Fid fid, List<RgbImage> images, List<RgbImage> references) {
        float[][][] features = new float[2][][];
        double seconds = timed.applyAsDouble(() -> features[0] = fid.features(images));
        report(fid.name() + " features", fid.description(), images.size(), seconds);
        if (images.size() < 2) {
            skip(fid.name() + " distance", "a covariance needs at least 2 feature vectors; give --images 2 or more");
            return;
        }
        features[1] = fid.features(references);
        int d = features[0][0].length;
        double distance = timed.applyAsDouble(() -> FrechetDistance.distance(FrechetDistance.statistics(features[0]),
                FrechetDistance.statistics(features[1])));
        out.printf(Locale.ROOT, "%s distance: %.3f s per distance (two sets of %d %d-d features: statistics and "
                + "Fréchet distance, median of %d runs)%n", fid.name(), distance, images.size(), d, runs);
    }

    /** The metric from its files, else from {@code random} when not null, else null after saying why. */
    private <M> M load(MetricRegistry.Entry<M> e, Supplier<M> random) {
        long t0 = System.nanoTime();
        try {
            M m;
            if (e.available()) {
                m = e.metric();
            } else if (random != null) {
                m = random.get();
                out.printf("%s: no weight files, so the full-size network with random weights: same compute and "
                        + "memory, meaningless scores%n", e.name());
            } else {
                skip(e.name(), e.unavailableReason().orElse("unavailable"));
                return null;
            }
            out.printf(Locale.ROOT, "%s: built in %.1f s; RSS %s%n", e.name(), (System.nanoTime() - t0) / 1e9,
                    ProcessMemory.format(ProcessMemory.rssBytes()));
            return m;
        } catch (MetricUnavailableException | IllegalArgumentException ex) {
            skip(e.name(), ex.getMessage());
            return null;
        }
    }

    private void skip(String name, String reason) {
        out.printf("%s: skipped: %s%n", name, reason);
    }

    private void report(String name, String description, int count, double seconds) {
        out.printf(Locale.ROOT, "%s: %s images/s (%d images in %.3f s, median of %d runs); %s%n", name,
                rate(count / seconds), count, seconds, runs, description);
    }

    /** Three significant digits or more, without an exponent. */
    private static String rate(double perSecond) {
        int decimals = perSecond >= 100 ? 0 : Math.max(2, 2 - (int) Math.floor(Math.log10(perSecond)));
        return String.format(Locale.ROOT, "%." + Math.min(decimals, 9) + "f", perSecond);
    }

    private static Set<String> wanted(MetricRegistry registry, List<String> names) {
        Set<String> known = new LinkedHashSet<>();
        registry.entries().forEach(e -> known.add(e.name()));
        registry.distributionEntries().forEach(e -> known.add(e.name()));
        if (names == null || names.isEmpty()) {
            return known;
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String n : names) {
            String name = n.trim().toLowerCase(Locale.ROOT);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("--metrics: no metric '" + n.trim() + "'; known: "
                        + String.join(", ", known));
            }
            wanted.add(name);
        }
        return wanted;
    }

    /**
     * {@code count} centre crops of SIDE × SIDE from the photos of {@code folder} at least that large, in name order,
     * the photos reused in turn when there are fewer than {@code count}.
     */
    private static List<RgbImage> crops(Path folder, int count) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("no photo folder " + folder + " (set -Dxpsr.data or XPSR_DATA to the "
                    + "repository's fixtures/data)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")).sorted()
                    .toList();
        }
        List<RgbImage> distinct = new ArrayList<>();
        for (Path f : files) {
            if (distinct.size() == count) {
                break;
            }
            RgbImage photo = ImageFiles.read(f);
            if (photo.width() >= SIDE && photo.height() >= SIDE) {
                distinct.add(photo.crop((photo.width() - SIDE) / 2, (photo.height() - SIDE) / 2, SIDE, SIDE));
            }
        }
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("no PNG photo of at least " + SIDE + "x" + SIDE + " in " + folder);
        }
        List<RgbImage> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(distinct.get(i % distinct.size()));
        }
        return out;
    }
}
