package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

/**
 * A cheap preview of a latent: a fixed linear map of the latent channels to RGB at latent resolution (1/8 of the
 * output's side for SD-1.5), as diffusion user interfaces show while sampling. No network runs: for a 64×64
 * latent it reads 16 384 floats and does 12 multiply-adds per pixel, far below a millisecond, against about a
 * minute for a denoising step on a CPU; a VAE decode would cost seconds.
 *
 * <p>For SD-1.x's four-channel latent space (scaled by the VAE's scaling factor, as the sampler holds it) the map
 * is the widely used least-squares fit of RGB in [−1, 1] on the latent channels (rows: R, G, B; columns: latent
 * channels 0–3). Other latent widths have no such fit; their preview is the channel mean as grey, stretched to
 * the latent's own range, which still shows structure.
 */
public final class LatentPreview {
    private static final float[][] SD15_RGB = {
            {0.298f, 0.187f, -0.158f, -0.184f},
            {0.207f, 0.286f, 0.189f, -0.271f},
            {0.208f, 0.173f, 0.264f, -0.473f},
    };

    private LatentPreview() {
    }

    /** The preview of the first latent of a batch (B, C, h, w), an image of h × w pixels. */
    public static RgbImage of(Tensor latents) {
        long[] s = Torch.shape(latents);
        if (s.length != 4) {
            throw new IllegalArgumentException("a latent preview needs a (B, C, h, w) tensor, got rank " + s.length);
        }
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[] v = Torch.toFloats(latents.select(0, 0));
        return RgbImage.of(w, h, c == SD15_RGB[0].length ? mapped(v, c, h * w) : grey(v, c, h * w));
    }

    private static byte[] mapped(float[] v, int channels, int pixels) {
        byte[] out = new byte[3 * pixels];
        for (int p = 0; p < pixels; p++) {
            for (int rgb = 0; rgb < 3; rgb++) {
                float x = 0;
                for (int ch = 0; ch < channels; ch++) {
                    x += SD15_RGB[rgb][ch] * v[ch * pixels + p];
                }
                out[3 * p + rgb] = toByte((x + 1f) / 2f);
            }
        }
        return out;
    }

    private static byte[] grey(float[] v, int channels, int pixels) {
        float[] mean = new float[pixels];
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < pixels; p++) {
            float sum = 0;
            for (int ch = 0; ch < channels; ch++) {
                sum += v[ch * pixels + p];
            }
            mean[p] = sum / channels;
            lo = Math.min(lo, mean[p]);
            hi = Math.max(hi, mean[p]);
        }
        float range = hi > lo ? hi - lo : 1f;
        byte[] out = new byte[3 * pixels];
        for (int p = 0; p < pixels; p++) {
            byte g = toByte((mean[p] - lo) / range);
            out[3 * p] = g;
            out[3 * p + 1] = g;
            out[3 * p + 2] = g;
        }
        return out;
    }

    private static byte toByte(float unit) {
        float clamped = Float.isNaN(unit) ? 0f : Math.max(0f, Math.min(1f, unit));
        return (byte) Math.round(clamped * 255f);
    }
}
