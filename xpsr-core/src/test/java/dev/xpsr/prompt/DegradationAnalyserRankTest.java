package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The analyser on real photos degraded at known levels: every estimate must order the levels of its degradation
 * (Spearman ρ ≥ 0.9 on each photo, and on all photos pooled) and the prompt must say more as the degradation grows.
 *
 * <p>The photos are the losslessly sourced ones of {@code fixtures/data/images/hr} (a JPEG-sourced photo carries
 * its own 8 × 8 grid, which would confound the blockiness levels), shrunk to 256 × 256.
 */
class DegradationAnalyserRankTest {
    static final List<String> PHOTOS = List.of("skimage_astronaut.png", "skimage_coffee.png", "skimage_chelsea.png",
            "jxl_wesaturate_cvo9xd_keong_macan_srgb8.png", "jxl_wesaturate_tmshre_riaphotographs_srgb8.png",
            "jxl_wesaturate_u76c0g_bliznaca_srgb8.png", "scipy_face_raccoon.png", "jxl_flower.png",
            "opencv_chicky_512.png", "opencv_dnn_superres_butterfly_set5.png");
    static final double[] BLUR_SIGMAS = {0, 0.8, 1.5, 2.5, 4};
    static final double[] NOISE_SIGMAS = {0, 3, 8, 15, 25};
    /** JPEG qualities; 100 stands for "not compressed". */
    static final int[] JPEG_QUALITIES = {100, 90, 70, 50, 30, 10};
    static final int[] UPSCALE_FACTORS = {1, 2, 4};
    static final double MIN_RHO = 0.9;

    static final DegradationAnalyser ANALYSER = new DegradationAnalyser();
    static final Map<String, RgbImage> IMAGES = new LinkedHashMap<>();

    @BeforeAll
    static void loadPhotos() {
        for (String name : PHOTOS) {
            IMAGES.put(name, TestImages.photo(name));
        }
    }

    /** One degradation at several levels, with what each level should raise. */
    private record Series(String name, double[] levels, BiFunction<RgbImage, Double, RgbImage> degrade) {
    }

    private static final Series BLUR = new Series("Gaussian blur σ", BLUR_SIGMAS, TestImages::gaussianBlur);
    private static final Series NOISE = new Series("Gaussian noise σ", NOISE_SIGMAS,
            (img, s) -> TestImages.gaussianNoise(img, s, 20240626L));
    /** Levels are 100 − quality, so they grow with the compression. */
    private static final Series JPEG = new Series("JPEG 100 − quality",
            java.util.Arrays.stream(JPEG_QUALITIES).mapToDouble(q -> 100 - q).toArray(),
            (img, l) -> l == 0 ? img : TestImages.jpeg(img, (int) Math.round(100 - l)));
    private static final Series UPSCALE = new Series("box down + bilinear up ×", java.util.Arrays.stream(
            UPSCALE_FACTORS).asDoubleStream().toArray(), (img, f) -> TestImages.downUp(img, (int) Math.round(f)));

    /** The reports of every photo at every level of {@code series}: photo → level → report. */
    private static Map<String, List<DegradationReport>> reports(Series series) {
        Map<String, List<DegradationReport>> out = new LinkedHashMap<>();
        IMAGES.forEach((name, image) -> {
            List<DegradationReport> perLevel = new ArrayList<>();
            for (double level : series.levels()) {
                perLevel.add(ANALYSER.analyse(series.degrade().apply(image, level)));
            }
            out.put(name, perLevel);
        });
        return out;
    }

    /**
     * Per-photo Spearman ρ of the levels against {@code measure}, printed with the ρ of all photos pooled; returns
     * the smaller of the worst photo's ρ and the pooled ρ.
     */
    private static double minRho(Series series, Map<String, List<DegradationReport>> reports, String measureName,
                                 ToDoubleFunction<DegradationReport> measure) {
        double min = 1;
        double sum = 0;
        List<Double> pooledLevels = new ArrayList<>();
        List<Double> pooledValues = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (Map.Entry<String, List<DegradationReport>> e : reports.entrySet()) {
            double[] values = e.getValue().stream().mapToDouble(measure).toArray();
            double rho = Spearman.rho(series.levels(), values);
            min = Math.min(min, rho);
            sum += rho;
            line.append(String.format(Locale.ROOT, " %.3f", rho));
            for (int i = 0; i < values.length; i++) {
                pooledLevels.add(series.levels()[i]);
                pooledValues.add(values[i]);
            }
        }
        double pooled = Spearman.rho(pooledLevels.stream().mapToDouble(Double::doubleValue).toArray(),
                pooledValues.stream().mapToDouble(Double::doubleValue).toArray());
        System.out.printf(Locale.ROOT, "%-26s vs %-22s Spearman per photo:%s | min %.3f, mean %.3f, pooled %.3f%n",
                series.name(), measureName, line, min, sum / reports.size(), pooled);
        return Math.min(min, pooled);
    }

    @Test
    void blurEstimatesOrderTheBlurLevelsOnEveryPhoto() {
        Map<String, List<DegradationReport>> reports = reports(BLUR);
        assertThat(minRho(BLUR, reports, "blur effect", DegradationReport::blurEffect)).isGreaterThanOrEqualTo(MIN_RHO);
        assertThat(minRho(BLUR, reports, "−Laplacian variance", r -> -r.laplacianVariance()))
                .isGreaterThanOrEqualTo(MIN_RHO);
        assertThat(minRho(BLUR, reports, "−effective resolution", r -> -r.effectiveResolution()))
                .isGreaterThanOrEqualTo(MIN_RHO);
        assertWordingGrows(reports, QualityAssessment::blur, "blurry");
    }

    @Test
    void noiseEstimateOrdersTheNoiseLevelsOnEveryPhoto() {
        Map<String, List<DegradationReport>> reports = reports(NOISE);
        assertThat(minRho(NOISE, reports, "Immerkær σ", DegradationReport::noiseSigma)).isGreaterThanOrEqualTo(MIN_RHO);
        assertWordingGrows(reports, QualityAssessment::noise, "noisy");
    }

    @Test
    void blockinessOrdersTheJpegQualitiesOnEveryPhoto() {
        Map<String, List<DegradationReport>> reports = reports(JPEG);
        assertThat(minRho(JPEG, reports, "blockiness", DegradationReport::blockiness)).isGreaterThanOrEqualTo(MIN_RHO);
        assertThat(minRho(JPEG, reports, "−WSB JPEG quality", r -> -r.jpegQuality())).isGreaterThanOrEqualTo(MIN_RHO);
        assertWordingGrows(reports, QualityAssessment::compression, "compression artifacts");
    }

    @Test
    void effectiveResolutionFallsWithTheUpscalingFactor() {
        Map<String, List<DegradationReport>> reports = reports(UPSCALE);
        assertThat(minRho(UPSCALE, reports, "−effective resolution", r -> -r.effectiveResolution()))
                .isGreaterThanOrEqualTo(MIN_RHO);
        reports.forEach((photo, perLevel) -> assertThat(perLevel.get(perLevel.size() - 1).effectiveResolution())
                .as(photo + " upscaled ×4").isLessThan(QualityThresholds.DEFAULT.detailLoss()));
    }

    /**
     * The wording follows the measure: the verdict never weakens as the level grows, the undegraded photo is
     * at most "slightly" affected, the strongest level is at least MODERATE, and its prompt names the degradation
     * where the clean photo's does not.
     */
    private static void assertWordingGrows(Map<String, List<DegradationReport>> reports,
                                           java.util.function.Function<QualityAssessment, Severity> verdict,
                                           String word) {
        reports.forEach((photo, perLevel) -> {
            List<QualityAssessment> assessed = perLevel.stream().map(QualityThresholds.DEFAULT::assess).toList();
            for (int i = 1; i < assessed.size(); i++) {
                assertThat(verdict.apply(assessed.get(i))).as(photo + " level " + i)
                        .isGreaterThanOrEqualTo(verdict.apply(assessed.get(i - 1)));
            }
            QualityAssessment clean = assessed.get(0);
            QualityAssessment worst = assessed.get(assessed.size() - 1);
            assertThat(verdict.apply(clean)).as(photo + " clean").isLessThanOrEqualTo(Severity.SLIGHT);
            assertThat(verdict.apply(worst)).as(photo + " strongest").isGreaterThanOrEqualTo(Severity.MODERATE);
            assertThat(worst.describe()).as(photo + " strongest").contains(word);
            assertThat(worst.overall()).as(photo + " strongest").isGreaterThan(clean.overall());
            if (verdict.apply(clean) == Severity.NONE) {
                assertThat(clean.describe()).as(photo + " clean").doesNotContain(word);
            }
            System.out.printf("%-48s clean: %s%n%-48s worst: %s%n", photo, clean.describe(), "", worst.describe());
        });
    }
}
