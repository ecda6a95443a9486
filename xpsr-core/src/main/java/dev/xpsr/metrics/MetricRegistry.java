package dev.xpsr.metrics;

import dev.xpsr.metrics.TorchvisionFeatures.Backbone;
import dev.xpsr.nn.WeightSource;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The metrics {@code xpsr eval} can compute, each either available or unavailable with the files it needs and
 * where to get them. Network metrics load their weights on first use; a metric never stands in with a number
 * computed another way.
 */
public final class MetricRegistry {
    /**
     * What the standard metrics are built with.
     *
     * @param convention  PSNR/SSIM convention
     * @param cropBorder  pixels removed at each border by PSNR/SSIM (and NIQE) before scoring
     * @param yChannel    PSNR/SSIM on the luma channel (else RGB)
     * @param colorSpace  pyiqa's luma ({@link Convention#PYIQA} only)
     * @param dataDir     folder holding {@code iqa/niqe/} and {@code iqa/brisque/}
     * @param weightsDir  folder holding the network metrics' weight files
     * @param opener      how weight files are read
     * @param placement   device and precision of the network metrics
     */
    public record Settings(Convention convention, int cropBorder, boolean yChannel, ColorSpace colorSpace,
            Path dataDir, Path weightsDir, WeightOpener opener, Placement placement) {
        /** BasicSR's convention (Y, crop 4 as most SR papers), standard file reading, CPU fp32. */
        public static Settings defaults(Path dataDir, Path weightsDir) {
            return new Settings(Convention.BASICSR, 4, true, ColorSpace.YCBCR, dataDir, weightsDir,
                    WeightOpener.standard(), Placement.CPU_FP32);
        }

        /** The settings as a report header states them: label → value, in order. */
        public Map<String, String> describe() {
            Map<String, String> out = new LinkedHashMap<>();
            out.put("PSNR/SSIM convention", convention.description()
                    + (convention == Convention.XPSR_TEST ? "" : "; crop border " + cropBorder + "; "
                    + (yChannel ? "Y channel" : "RGB")
                    + (convention == Convention.PYIQA ? " (" + colorSpace.name().toLowerCase(Locale.ROOT) + ")"
                            : "")));
            out.put("metric weights", weightsDir.toString());
            out.put("NIQE/BRISQUE models", dataDir.resolve("iqa").toString());
            out.put("device", placement.device());
            return out;
        }
    }

    /**
     * One metric: its name, whether it can run here and, if not, why.
     *
     * @param <M> {@link Metric} for per-image metrics, {@link DistributionMetric} for metrics of a whole set
     */
    public static final class Entry<M> {
        private final String name;
        private final String description;
        private final List<PretrainedFile> missing;
        private final Function<Entry<M>, M> loader;
        private M metric;
        private String failure;

        Entry(String name, String description, List<PretrainedFile> missing, Function<Entry<M>, M> loader) {
            this.name = name;
            this.description = description;
            this.missing = List.copyOf(missing);
            this.loader = loader;
        }

        public String name() {
            return name;
        }

        public String description() {
            return description;
        }

        /** Files that must be added before the metric can run (empty when present). */
        public List<PretrainedFile> missingFiles() {
            return missing;
        }

        /** Whether the metric's files are present and (if already tried) loaded. */
        public synchronized boolean available() {
            return missing.isEmpty() && failure == null;
        }

        /** Why the metric cannot run, naming each file needed and where to get it; empty when available. */
        public synchronized Optional<String> unavailableReason() {
            if (!missing.isEmpty()) {
                StringBuilder sb = new StringBuilder(name).append(" is unavailable: it needs");
                for (PretrainedFile f : missing) {
                    sb.append("\n  ").append(f.advice());
                }
                return Optional.of(sb.toString());
            }
            return Optional.ofNullable(failure);
        }

        /** The metric, loading its weights on first call. */
        public synchronized M metric() {
            if (metric != null) {
                return metric;
            }
            unavailableReason().ifPresent(r -> {
                throw new MetricUnavailableException(r);
            });
            try {
                metric = loader.apply(this);
                return metric;
            } catch (RuntimeException e) {
                failure = name + " is unavailable: " + e.getMessage();
                throw new MetricUnavailableException(failure, e);
            }
        }
    }

    private final List<Entry<Metric>> entries;
    private final List<Entry<DistributionMetric>> distributionEntries;

    private MetricRegistry(List<Entry<Metric>> entries, List<Entry<DistributionMetric>> distributionEntries) {
        this.entries = Collections.unmodifiableList(entries);
        this.distributionEntries = Collections.unmodifiableList(distributionEntries);
    }

    /**
     * PSNR, SSIM, LPIPS (AlexNet, VGG), DISTS, MUSIQ, MANIQA (KonIQ, PIPAL), NIQE, BRISQUE and CLIP-IQA with
     * {@code s}; FID over sets.
     */
    public static MetricRegistry standard(Settings s) {
        List<Entry<Metric>> list = new ArrayList<>();
        Psnr psnr = psnr(s);
        Ssim ssim = ssim(s);
        list.add(new Entry<>(psnr.name(), psnr.description(), List.of(), e -> psnr));
        list.add(new Entry<>(ssim.name(), ssim.description(), List.of(), e -> ssim));
        list.add(lpips(s, Backbone.ALEXNET, PretrainedFile.LPIPS_ALEX, PretrainedFile.ALEXNET));
        list.add(lpips(s, Backbone.VGG16, PretrainedFile.LPIPS_VGG, PretrainedFile.VGG16));
        list.add(dists(s));
        list.add(musiq(s));
        list.add(maniqa(s, "maniqa", "KonIQ-10k", Maniqa.Config.koniq(), PretrainedFile.MANIQA_KONIQ));
        list.add(maniqa(s, "maniqa-pipal", "PIPAL", Maniqa.Config.pipal(), PretrainedFile.MANIQA_PIPAL));
        list.add(niqe(s));
        list.add(brisque(s));
        list.add(network(s, "clipiqa", "CLIP-IQA (CLIP RN50, 5 prompt pairs), as pyiqa 0.1.10 clipiqa",
                List.of(PretrainedFile.CLIP_RN50), sources -> ClipIqa.load(sources, s.placement())));
        List<Entry<DistributionMetric>> distributions = new ArrayList<>();
        distributions.add(fid(s));
        return new MetricRegistry(list, distributions);
    }

    /** The per-image metrics, in report order. */
    public List<Entry<Metric>> entries() {
        return entries;
    }

    /** The metrics of a whole set of images (FID), in report order. */
    public List<Entry<DistributionMetric>> distributionEntries() {
        return distributionEntries;
    }

    /** The per-image metric entry called {@code name}. */
    public Entry<Metric> entry(String name) {
        return named(entries, name);
    }

    /** The distribution metric entry called {@code name}. */
    public Entry<DistributionMetric> distributionEntry(String name) {
        return named(distributionEntries, name);
    }

    private static <M> Entry<M> named(List<Entry<M>> list, String name) {
        return list.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no metric '" + name + "'; known: " + list.stream()
                        .map(Entry::name).toList()));
    }

    /** Every per-image metric that loads, in registry order; the others stay listed with their reason. */
    public List<Metric> availableMetrics() {
        return loadable(entries);
    }

    /** Every distribution metric that loads, in registry order. */
    public List<DistributionMetric> availableDistributionMetrics() {
        return loadable(distributionEntries);
    }

    private static <M> List<M> loadable(List<Entry<M>> list) {
        List<M> out = new ArrayList<>();
        for (Entry<M> e : list) {
            if (e.available()) {
                try {
                    out.add(e.metric());
                } catch (MetricUnavailableException ignored) {
                    // the entry now reports the load failure as its unavailable reason
                }
            }
        }
        return out;
    }

    private static Psnr psnr(Settings s) {
        return switch (s.convention()) {
            case BASICSR -> Psnr.basicsr(s.cropBorder(), s.yChannel());
            case BASICSR_PT -> Psnr.basicsrPt(s.cropBorder(), s.yChannel());
            case PYIQA -> Psnr.pyiqa(s.cropBorder(), s.yChannel(), s.colorSpace());
            case XPSR_TEST -> Psnr.xpsrTest();
        };
    }

    private static Ssim ssim(Settings s) {
        return switch (s.convention()) {
            case BASICSR -> Ssim.basicsr(s.cropBorder(), s.yChannel());
            case BASICSR_PT -> Ssim.basicsrPt(s.cropBorder(), s.yChannel());
            case PYIQA -> Ssim.pyiqa(s.cropBorder(), s.yChannel(), s.colorSpace());
            case XPSR_TEST -> Ssim.xpsrTest();
        };
    }

    private static Entry<Metric> lpips(Settings s, Backbone backbone, PretrainedFile head, PretrainedFile trunk) {
        String name = backbone == Backbone.ALEXNET ? "lpips" : "lpips-vgg";
        String description = "LPIPS v0.1 (" + (backbone == Backbone.ALEXNET ? "AlexNet" : "VGG16")
                + "), as lpips 0.1 / pyiqa 0.1.10";
        return network(s, name, description, List.of(head, trunk),
                sources -> Lpips.load(backbone, sources, s.placement()));
    }

    private static Entry<Metric> dists(Settings s) {
        return network(s, "dists", "DISTS (VGG16), as DISTS_pytorch / pyiqa 0.1.10",
                List.of(PretrainedFile.DISTS, PretrainedFile.VGG16), sources -> Dists.load(sources, s.placement()));
    }

    private static Entry<Metric> musiq(Settings s) {
        return network(s, "musiq", "MUSIQ (KonIQ-10k), as pyiqa 0.1.10", List.of(PretrainedFile.MUSIQ_KONIQ),
                sources -> Musiq.load(Musiq.Config.koniq(), sources.get(0), s.placement()));
    }

    private static Entry<Metric> maniqa(Settings s, String name, String dataset, Maniqa.Config config,
            PretrainedFile weights) {
        // fresh draws per image: a report's score of an image must not depend on the other files, their order,
        // the other sets or retries (docs/EVAL.md)
        return network(s, name, "MANIQA (" + dataset + "), as pyiqa 0.1.10 " + name + ", numpy seed "
                + Maniqa.PYIQA_SEED + " per image", List.of(weights),
                sources -> Maniqa.load(name, config, sources.get(0), Maniqa.PYIQA_SEED,
                        Maniqa.CropDraws.FRESH_PER_IMAGE, s.placement()));
    }

    private static Entry<DistributionMetric> fid(Settings s) {
        return network(s, "fid", "FID (Inception-v3 pool features), as pyiqa 0.1.10 fid mode='clean' (clean-fid)",
                List.of(PretrainedFile.FID_INCEPTION), sources -> Fid.load(sources, FidMode.CLEAN, s.placement()));
    }

    /** A network metric reading {@code files} from the weights folder (the first one required, the rest too). */
    private static <M> Entry<M> network(Settings s, String name, String description, List<PretrainedFile> files,
            Function<List<WeightSource>, M> build) {
        List<PretrainedFile> missing = files.stream().filter(f -> f.find(s.weightsDir()).isEmpty()).toList();
        return new Entry<>(name, description + "; weights in " + s.weightsDir(), missing, e -> {
            List<WeightOpener.Opened> opened = new ArrayList<>();
            try {
                for (PretrainedFile f : files) {
                    opened.add(s.opener().open(f.find(s.weightsDir()).orElseThrow()));
                }
                return build.apply(List.copyOf(opened));
            } catch (IOException ex) {
                throw new MetricUnavailableException(ex.getMessage() + " (a torch.save file in the legacy pre-1.6 "
                        + "format can be converted once with torch.load, a TorchScript archive with "
                        + "torch.jit.load(...).state_dict(), and safetensors.torch.save_file to a .safetensors "
                        + "file of the same name)", ex);
            } finally {
                opened.forEach(WeightOpener.Opened::close);
            }
        });
    }

    private static Entry<Metric> niqe(Settings s) {
        Path dir = s.dataDir().resolve("iqa/niqe");
        List<PretrainedFile> missing = Files.isRegularFile(dir.resolve(Niqe.PARAMS_FILE)) ? List.of()
                : List.of(PretrainedFile.NIQE_PARAMS);
        return new Entry<>("niqe", "NIQE, BasicSR 1.4.2 calculate_niqe (crop border " + s.cropBorder() + "); model in "
                + dir, missing, e -> {
                    try {
                        return Niqe.load(dir.resolve(Niqe.PARAMS_FILE), s.cropBorder());
                    } catch (IOException ex) {
                        throw new MetricUnavailableException(ex.getMessage(), ex);
                    }
                });
    }

    private static Entry<Metric> brisque(Settings s) {
        Path dir = s.dataDir().resolve("iqa/brisque");
        List<PretrainedFile> missing = List.of(PretrainedFile.BRISQUE_MODEL, PretrainedFile.BRISQUE_RANGE).stream()
                .filter(f -> !Files.isRegularFile(dir.resolve(f.fileName()))).toList();
        return new Entry<>("brisque", "BRISQUE, OpenCV 4.6 QualityBRISQUE (LIVE model); model in " + dir, missing,
                e -> {
                    try {
                        return Brisque.load(dir.resolve(Brisque.MODEL_FILE), dir.resolve(Brisque.RANGE_FILE));
                    } catch (IOException ex) {
                        throw new MetricUnavailableException(ex.getMessage(), ex);
                    }
                });
    }
}
