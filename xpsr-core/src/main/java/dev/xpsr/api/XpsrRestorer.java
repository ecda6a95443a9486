package dev.xpsr.api;

import dev.xpsr.io.RgbImage;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.pipeline.Prompts;
import dev.xpsr.pipeline.UpscaleOptions;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.pipeline.XpsrPipeline;
import dev.xpsr.pipeline.XpsrPrompts;
import dev.xpsr.prompt.FixedPromptSource;
import dev.xpsr.prompt.Prompt;
import dev.xpsr.prompt.PromptException;
import dev.xpsr.prompt.PromptOrigin;
import dev.xpsr.prompt.PromptSource;

import java.util.Optional;

/** XPSR behind the {@link Upscaler} API: prompts resolved per request, then {@link XpsrPipeline}. */
final class XpsrRestorer implements Restorer {
    private static final Prompt SWITCHED_OFF = new Prompt("", PromptOrigin.NONE, "switched off");
    private final XpsrModels models;
    private final XpsrPipeline pipeline;
    private final PromptSource highlevel;
    private final PromptSource lowlevel;

    XpsrRestorer(XpsrModels models, PromptSource highlevel, PromptSource lowlevel) {
        this.models = models;
        this.pipeline = new XpsrPipeline(models);
        this.highlevel = highlevel;
        this.lowlevel = lowlevel;
    }

    @Override
    public UpscaleResult restore(UpscaleRequest request, ProgressReporter progress) {
        long start = System.nanoTime();
        ResolvedPrompts prompts = prompts(request);
        RgbImage out = pipeline.upscale(request.image(), prompts.prompts(), request.options(), progress).image();
        return new UpscaleResult(out, Method.XPSR, Optional.of(prompts), Optional.of(request.options()),
                controlNetLayout(), placement(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * The request's own prompts, else the caption and the low-level description from the sources; a prompt
     * switched off is not asked for. The switches' effect on the texts is recorded ({@link Prompts#under}).
     */
    ResolvedPrompts prompts(UpscaleRequest r) {
        UpscaleOptions o = r.options();
        if (r.prompts().isPresent()) {
            return new ResolvedPrompts(r.prompts().get().under(o), "given");
        }
        Prompt high = o.usesHighlevelPrompt()
                ? resolve(r.caption().<PromptSource>map(FixedPromptSource::new).orElse(highlevel), r) : SWITCHED_OFF;
        Prompt low = o.usesLowlevelPrompt()
                ? resolve(r.lowlevelPrompt().<PromptSource>map(FixedPromptSource::new).orElse(lowlevel), r)
                : SWITCHED_OFF;
        Prompts p = new Prompts(XpsrPrompts.positive(high.text(), r.addedPrompt()), r.negativePrompt(), low.text(),
                r.lowlevelNegativePrompt());
        return new ResolvedPrompts(p.under(o), "high-level " + high.source() + ", low-level " + low.source());
    }

    private static Prompt resolve(PromptSource source, UpscaleRequest r) {
        try {
            return source.prompt(r.name(), r.image()).orElse(Prompt.NONE);
        } catch (PromptException e) {
            throw new UpscaleException(r.name() + ": no prompt from " + source.describe() + ": " + e.getMessage(), e);
        }
    }

    XpsrModels models() {
        return models;
    }

    @Override
    public String placement() {
        return models.placement().label();
    }

    @Override
    public Optional<XpsrControlNetLayout> controlNetLayout() {
        return Optional.of(models.controlNetLayout());
    }

    @Override
    public void close() {
        models.close();
    }
}
