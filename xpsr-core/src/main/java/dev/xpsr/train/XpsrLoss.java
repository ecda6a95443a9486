package dev.xpsr.train;

import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * XPSR's training objective as {@code train.py} computes it:
 * <pre>
 * L = MSE(ε̂, ε) + λ·[ Σ_i L1(rgb_i, bilinear(HR → size_i))          i = 0…2, HR in [−1, 1]
 *                   + Σ_k L1(lat_k, bilinear(z → size_k))            k = 0…11
 *                   + L1(lat_mid, bilinear(z → size_mid)) ]
 * </pre>
 * with every term a mean, {@code bilinear} = {@code F.interpolate(mode="bilinear")} (align_corners False, no
 * antialias, output size given), z the scaled VAE latent sample, and each term weighted by λ (0.05) and summed
 * in this order. Every term is computed in float32 ({@code .float()} in the reference). The ablations weight the
 * pixel terms and the latent terms with a λ each; a network built without a head group has no terms for it.
 */
public final class XpsrLoss {
    private XpsrLoss() {
    }

    /**
     * @param prediction  the UNet's output ε̂ (B, 4, h, w)
     * @param target      ε (or the velocity for v-prediction)
     * @param heads       the ControlNet's result (its DFC predictions)
     * @param pixelValues HR (B, 3, H, W) in [−1, 1]
     * @param latents     z = scaling · VAE sample (B, 4, h, w)
     * @param pixelLambda the weight of the pixel-space DFC terms
     * @param latentLambda the weight of the latent-space DFC terms
     */
    public static LossTerms compute(Tensor prediction, Tensor target, XpsrControlNetModel.Result heads,
                                    Tensor pixelValues, Tensor latents, double pixelLambda, double latentLambda) {
        Map<String, Tensor> parts = new LinkedHashMap<>();
        Tensor mse = Torch.mseLoss(f32(prediction), f32(target));
        Tensor dfc = Torch.zeros(ScalarType.Float).to(mse);
        List<Tensor> rgbs = heads.rgbPredictions();
        for (int i = 0; i < rgbs.size(); i++) {
            Tensor t = Torch.l1Loss(resized(pixelValues, rgbs.get(i)), f32(rgbs.get(i)));
            parts.put("dfc_rgb_" + i, t);
            dfc = dfc.add(Torch.mul(t, pixelLambda));
        }
        List<Tensor> lats = heads.latentPredictions();
        for (int k = 0; k < lats.size(); k++) {
            Tensor t = Torch.l1Loss(f32(lats.get(k)), resized(latents, lats.get(k)));
            parts.put("dfc_latent_" + k, t);
            dfc = dfc.add(Torch.mul(t, latentLambda));
        }
        if (heads.latentPredictionMid() != null) {
            Tensor mid = heads.latentPredictionMid();
            Tensor t = Torch.l1Loss(f32(mid), resized(latents, mid));
            parts.put("dfc_latent_mid", t);
            dfc = dfc.add(Torch.mul(t, latentLambda));
        }
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put(LossTerms.LOSS, mse.add(dfc));
        terms.put(LossTerms.MSE, mse);
        terms.put(LossTerms.DFC, dfc);
        terms.putAll(parts);
        return new LossTerms(terms);
    }

    /** {@code F.interpolate(x, size=like.shape[-2:], mode="bilinear").float()}. */
    static Tensor resized(Tensor x, Tensor like) {
        return f32(Torch.upsampleBilinear(x, like.size(2), like.size(3), null, null));
    }

    private static Tensor f32(Tensor t) {
        return t.to(ScalarType.Float);
    }
}
