package dev.xpsr.api;

import dev.xpsr.baseline.BaselineUpscaler;
import dev.xpsr.baseline.MatlabBicubicUpscaler;
import dev.xpsr.baseline.PilBicubicUpscaler;
import dev.xpsr.io.RgbImage;

import java.util.Optional;
import java.util.concurrent.CancellationException;

/** A baseline network or interpolation behind the {@link Upscaler} API: one pass, no prompts, no seed. */
final class BaselineRestorer implements Restorer {
    private final Method method;
    private final BaselineUpscaler upscaler;

    BaselineRestorer(Method method, BaselineUpscaler upscaler) {
        this.method = method;
        this.upscaler = upscaler;
    }

    @Override
    public UpscaleResult restore(UpscaleRequest request, ProgressReporter progress) {
        if (request.options().outputSize() != null) {
            throw new IllegalArgumentException("outputSize is an XPSR setting; " + method.id()
                    + " scales by an integer factor (upscale), got outputSize " + request.options().outputSize());
        }
        BaselineUpscaler scaled = forScale(request.options().upscale());
        if (progress.cancelled()) {
            throw new CancellationException(request.name() + ": cancelled before it started");
        }
        long start = System.nanoTime();
        progress.stage(Progress.Stage.RESTORE, 0, 1);
        RgbImage out = scaled.upscale(request.image());
        progress.stage(Progress.Stage.RESTORE, 1, 1);
        return new UpscaleResult(out, method, Optional.empty(), Optional.empty(), Optional.empty(), placement(),
                (System.nanoTime() - start) / 1e9);
    }

    /** The interpolations take any factor; a network only its own. */
    private BaselineUpscaler forScale(int scale) {
        return switch (method) {
            case BICUBIC_PIL -> new PilBicubicUpscaler(scale);
            case BICUBIC_MATLAB -> new MatlabBicubicUpscaler(scale);
            default -> {
                if (scale != upscaler.scale()) {
                    throw new IllegalArgumentException("upscale must be " + upscaler.scale() + " for " + method.id()
                            + " (the network's fixed factor), got " + scale);
                }
                yield upscaler;
            }
        };
    }

    @Override
    public String placement() {
        return "cpu fp32";
    }

    @Override
    public void close() {
        upscaler.close();
    }
}
