package dev.xpsr.server;

import dev.xpsr.api.Method;
import dev.xpsr.pipeline.ColorFixMode;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.scheduler.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobOptionsTest {
    static final Set<Method> SERVED = Set.of(Method.XPSR, Method.REALESRGAN_X4PLUS);
    static final ServerLimits LIMITS = ServerLimits.DEFAULTS.withMaxSteps(50);

    private static JobOptions parse(String json) {
        return JobOptions.parse(json, SERVED, Method.XPSR, LIMITS);
    }

    @Test
    void noOptionsMeanTheDefaultMethodWithXpsrsReleasedSettings() {
        JobOptions o = parse(null);
        assertThat(o.method()).isEqualTo(Method.XPSR);
        assertThat(o.settings()).isEqualTo(UpscaleOptions.DEFAULTS);
        assertThat(o.caption()).isEmpty();
        assertThat(parse("  ").settings()).isEqualTo(UpscaleOptions.DEFAULTS);
    }

    @Test
    void everyFieldIsReadAndTheNormalisedFormReadsBackTheSame() {
        JobOptions o = parse("{\"method\": \"xpsr\", \"caption\": \"a cat\", \"lowlevelPrompt\": \"blurry\", "
                + "\"steps\": 8, \"guidance\": 5.5, \"seed\": 9007199254740993, \"colorFix\": \"wavelet\", "
                + "\"sampler\": \"unipc\", \"processSize\": 256}");
        assertThat(o.caption()).hasValue("a cat");
        assertThat(o.lowlevelPrompt()).hasValue("blurry");
        assertThat(o.settings()).isEqualTo(UpscaleOptions.builder().steps(8).guidance(5.5).seed(9007199254740993L)
                .colorFix(ColorFixMode.WAVELET).sampler(Sampler.UNIPC).processSize(256).build());
        assertThat(parse(o.toJson())).isEqualTo(o);
    }

    @Test
    void aBaselineKeepsOnlyItsMethodAndHasNoSettings() {
        JobOptions o = parse("{\"method\": \"realesrgan-x4plus\", \"steps\": 3}");
        assertThat(o.method()).isEqualTo(Method.REALESRGAN_X4PLUS);
        assertThat(o.toJson()).isEqualTo("{\"method\":\"realesrgan-x4plus\"}");
        assertThat(JobOptions.settingsOf(o.toJson())).isEmpty();
        assertThat(JobOptions.settingsOf(parse("{\"steps\": 7}").toJson()))
                .hasValue(UpscaleOptions.builder().steps(7).build().toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"steps\": 0}                 | options.steps must be between 1 and 50 (this server's limit), got 0",
        "{\"steps\": 51}                | options.steps must be between 1 and 50",
        "{\"steps\": 2.5}               | options.steps must be an integer, got 2.5",
        "{\"steps\": \"4\"}             | options.steps must be an integer, got \"4\"",
        "{\"guidance\": \"high\"}       | options.guidance must be a number",
        "{\"guidance\": -0.5}           | options.guidance must be a finite number >= 0, got -0.5",
        "{\"seed\": 1e30}               | options.seed must be an integer (64-bit)",
        "{\"sampler\": \"euler\"}       | options.sampler must be one of ddpm, ddim, unipc, dpmpp-2m, got 'euler'",
        "{\"colorFix\": \"auto\"}       | options.colorFix: unknown colour fix 'auto'",
        "{\"processSize\": 4096}        | options.processSize must be between 64 and 2048, got 4096",
        "{\"caption\": 7}               | options.caption must be a string, got 7",
        "{\"method\": \"rdn-slim\"}     | options.method 'rdn-slim' is not served here; this server runs",
        "{\"method\": \"lanczos\"}      | options.method must be one of",
        "{\"steps\": 4, \"seeds\": 1}   | options has an unknown field 'seeds'",
        "[1, 2]                         | options must be a JSON object",
        "{\"steps\":                    | options is not valid JSON",
    })
    void aBadOptionIsRefusedWith400NamingTheField(String json, String message) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(400)).hasMessageContaining(message);
    }

    @Test
    void aPromptLongerThanTheLimitIsRefused() {
        String json = "{\"caption\": \"" + "a".repeat(2001) + "\"}";
        assertThatThrownBy(() -> parse(json)).hasMessageContaining("options.caption must have at most 2000 characters");
    }
}
