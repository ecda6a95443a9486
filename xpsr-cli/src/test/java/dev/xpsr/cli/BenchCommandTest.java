package dev.xpsr.cli;

import dev.xpsr.testing.RestoresThreadCount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code xpsr bench --subject metrics} with the cheap classic metrics only, on one 512×512 image; the GEMM rate;
 * the exact speed-ups {@code --compare} accepts.
 */
@ExtendWith(RestoresThreadCount.class)
class BenchCommandTest {
    private static final Pattern RESULT = Pattern.compile("^([a-z-]+): ([0-9.]+) images/s \\(1 images in .*$",
            Pattern.MULTILINE);

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = new CommandLine(new BenchCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void metricsSubjectReportsImagesPerSecondForEachMetric() {
        Run r = run("--subject", "metrics", "--metrics", "psnr,ssim,niqe", "--images", "1", "--runs", "1",
                "--warmup", "0", "--threads", "1");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = RESULT.matcher(r.out());
        List<String> named = new ArrayList<>();
        while (m.find()) {
            named.add(m.group(1));
            assertThat(Double.parseDouble(m.group(2))).as(m.group()).isPositive().isFinite();
            assertThat(m.group()).as("the line carries the metric's description").contains("median of 1 runs); ");
        }
        assertThat(named).as(r.out()).containsExactly("psnr", "ssim", "niqe");
        assertThat(r.out()).contains("1 images of 512x512").doesNotContain("skipped");
    }

    @Test
    void anUnknownMetricIsNamedWithTheKnownOnes() {
        Run r = run("--subject", "metrics", "--metrics", "psnr,nope", "--images", "1", "--threads", "1");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--metrics: no metric 'nope'; known: psnr, ssim");
    }

    @Test
    void gemmSubjectReportsBothRoutesAndTheBetterAsTheRate() {
        Run r = run("--subject", "gemm", "--runs", "1", "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        Matcher m = Pattern.compile("on the BLAS ([0-9.]+) GFLOP/s, the linear route \\(oneDNN\\) ([0-9.]+) GFLOP/s; "
                + "GEMM rate ([0-9.]+) GFLOP/s").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        double blas = Double.parseDouble(m.group(1));
        double linear = Double.parseDouble(m.group(2));
        assertThat(blas).isPositive();
        assertThat(linear).isPositive();
        assertThat(Double.parseDouble(m.group(3))).isEqualTo(Math.max(blas, linear));
    }

    @Test
    void anUnknownSpeedUpIsNamedWithTheKnownOnesBeforeAnythingIsBuilt() {
        Run r = run("--subject", "step", "--compare", "nope", "--threads", "1");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--compare: no exact speed-up 'nope'; known: onednn-linear, encode-condition-once");
        assertThat(r.out()).doesNotContain("built");
    }

    @Test
    void compareDtypeNeedsAnotherDtypeAndADtypeNeedsASubjectThatTakesItBeforeAnythingIsBuilt() {
        Run fp32 = run("--subject", "step", "--compare-dtype", "--threads", "1");
        assertThat(fp32.code()).isNotZero();
        assertThat(fp32.err()).contains("--compare-dtype compares fp32 with a --dtype other than fp32");
        Run unet = run("--subject", "unet", "--dtype", "bf16", "--threads", "1");
        assertThat(unet.code()).isNotZero();
        assertThat(unet.err()).contains("--dtype applies to --subject step, upscale and fidelity");
        assertThat(fp32.out() + unet.out()).doesNotContain("built");
    }

    @Test
    void aFolderOfNoImagesIsRefusedBeforeAnythingIsBuilt() {
        Run none = run("--subject", "upscale", "--images", "0", "--threads", "1");
        assertThat(none.code()).isNotZero();
        assertThat(none.err()).contains("--images ≥ 1");
        assertThat(none.out()).doesNotContain("built");
    }
}
