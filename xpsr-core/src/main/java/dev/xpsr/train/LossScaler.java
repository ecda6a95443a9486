package dev.xpsr.train;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Collection;

/**
 * Dynamic loss scaling for fp16 training, as {@code torch.cuda.amp.GradScaler} with its defaults: the loss is
 * multiplied by the scale (2¹⁶ at first) before backward; before clipping, gradients are multiplied by 1/scale
 * and checked; a step with a non-finite gradient is skipped and the scale halved; after 2000 clean steps in a row
 * the scale doubles.
 */
public final class LossScaler {
    static final double INIT_SCALE = 65536.0;
    static final double GROWTH = 2.0;
    static final double BACKOFF = 0.5;
    static final int GROWTH_INTERVAL = 2000;

    private double scale;
    private int cleanSteps;

    public LossScaler(double scale, int cleanSteps) {
        this.scale = scale;
        this.cleanSteps = cleanSteps;
    }

    public static LossScaler initial() {
        return new LossScaler(INIT_SCALE, 0);
    }

    public double scale() {
        return scale;
    }

    /** Clean steps since the last change of scale (the growth tracker). */
    public int cleanSteps() {
        return cleanSteps;
    }

    /** Divides every gradient by the scale; returns whether they are all finite (the step may be taken). */
    public boolean unscale(Collection<Tensor> params) {
        double inverse = (float) (1.0 / scale);
        boolean finite = true;
        try (AutoCloseable g = Torch.noGrad()) {
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (grad.defined()) {
                    Torch.mul_(grad, inverse);
                    finite &= Torch.allFinite(grad);
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return finite;
    }

    /** The scale after a step whose gradients were finite or not. */
    public void update(boolean finite) {
        if (!finite) {
            scale *= BACKOFF;
            cleanSteps = 0;
        } else if (++cleanSteps == GROWTH_INTERVAL) {
            scale *= GROWTH;
            cleanSteps = 0;
        }
    }
}
