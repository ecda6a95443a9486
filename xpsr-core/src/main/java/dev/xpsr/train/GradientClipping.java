package dev.xpsr.train;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@code torch.nn.utils.clip_grad_norm_(params, max_norm)} with the 2-norm: the total norm is the norm of the
 * per-gradient norms; every gradient is multiplied by min(1, max_norm / (total + 1e-6)).
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Clips in place and returns the total norm before clipping. */
    public static double clip(Collection<Tensor> params, double maxNorm) {
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g.defined()) {
                grads.add(g);
            }
        }
        if (grads.isEmpty()) {
            return 0.0;
        }
        try (AutoCloseable guard = Torch.noGrad()) {
            Tensor[] norms = new Tensor[grads.size()];
            for (int i = 0; i < norms.length; i++) {
                norms[i] = Torch.vectorNorm(grads.get(i));
            }
            Tensor total = Torch.vectorNorm(Torch.stack(norms));
            Tensor coef = Torch.clamp(Torch.scalarTensor(maxNorm).to(total).div(Torch.add(total, 1e-6)),
                    Double.NEGATIVE_INFINITY, 1.0);
            for (Tensor g : grads) {
                g.mul_(coef.to(g.scalar_type()));
            }
            return total.item_double();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
