package dev.xpsr.train;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (amsgrad off, maximize off), the single-tensor update of PyTorch 2.x, for every
 * parameter that has a gradient:
 * <pre>
 * step += 1
 * θ ← θ·(1 − lr·wd)
 * m ← m + (1 − β₁)(g − m)                     (lerp)
 * v ← β₂·v + (1 − β₂)·g²
 * θ ← θ − lr/(1 − β₁^step) · m / (√v / √(1 − β₂^step) + ε)
 * </pre>
 * The step count is shared by all parameters (they all get gradients every step here). The moments m
 * ({@code exp_avg}) and v ({@code exp_avg_sq}) are created as zeros on a parameter's first update; they live
 * outside any pointer scope and are what a checkpoint stores.
 */
public final class AdamW {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** One update of every parameter in {@code params} that has a gradient. */
    public void step(Map<String, Tensor> params) {
        step++;
        double bias1 = 1 - Math.pow(beta1, step);
        double bias2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / bias1;
        try (AutoCloseable g = Torch.noGrad()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (!grad.defined()) {
                    continue;
                }
                Tensor m = state(expAvg, e.getKey(), p);
                Tensor v = state(expAvgSq, e.getKey(), p);
                Torch.mul_(p, 1 - lr * weightDecay);
                Torch.lerp_(m, grad, 1 - beta1);
                Torch.addcmul_(Torch.mul_(v, beta2), grad, grad, 1 - beta2);
                Tensor denom = Torch.add(Torch.div(Torch.sqrt(v), bias2Sqrt), eps);
                Torch.addcdiv_(p, m, denom, -stepSize);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Updates done so far. */
    public long stepCount() {
        return step;
    }

    /** The first moments by parameter name. */
    public Map<String, Tensor> expAvg() {
        return expAvg;
    }

    /** The second moments by parameter name. */
    public Map<String, Tensor> expAvgSq() {
        return expAvgSq;
    }

    /** Restores a saved state (moments are copied; the tensors given may be freed afterwards). */
    public void restore(long stepCount, Map<String, Tensor> avg, Map<String, Tensor> avgSq, Map<String, Tensor> params) {
        this.step = stepCount;
        for (Map.Entry<String, Tensor> e : avg.entrySet()) {
            Tensor p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("optimizer state holds '" + e.getKey()
                        + "', which is not a trainable parameter of this run");
            }
            state(expAvg, e.getKey(), p).copy_(e.getValue());
            state(expAvgSq, e.getKey(), p).copy_(avgSq.get(e.getKey()));
        }
    }

    private static Tensor state(Map<String, Tensor> map, String key, Tensor like) {
        return map.computeIfAbsent(key, k -> {
            Tensor t = Torch.zerosLike(like).detach();
            t.retainReference();
            return t;
        });
    }
}
