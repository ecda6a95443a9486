package dev.xpsr.cli;

import dev.xpsr.baseline.Upscaler;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.DegradationAnalyser;

/**
 * XPSR as a benchmark method: {@link XpsrPipeline} with the released inference settings and the prompts
 * {@code xpsr upscale} uses when given no caption: an empty high-level caption plus the added prompt, and the
 * low-level description of the built-in {@link DegradationAnalyser}.
 */
final class XpsrUpscaler implements Upscaler {
    private final XpsrPipeline pipeline;
    private final UpscaleOptions options;
    private final DegradationAnalyser analyser = new DegradationAnalyser();

    XpsrUpscaler(XpsrPipeline pipeline, UpscaleOptions options) {
        this.pipeline = pipeline;
        this.options = options;
    }

    @Override
    public RgbImage upscale(RgbImage lr) {
        Prompts prompts = new Prompts(XpsrPrompts.positive("", XpsrPrompts.ADDED_PROMPT), XpsrPrompts.NEGATIVE_PROMPT,
                analyser.describe(lr), XpsrPrompts.LOWLEVEL_NEGATIVE_PROMPT);
        return pipeline.upscale(lr, prompts, options, XpsrPipeline.StepListener.NONE).image();
    }

    @Override
    public String name() {
        return "xpsr";
    }

    @Override
    public int scale() {
        return options.upscale();
    }
}
