package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * BasicSR 1.4.2 {@code basicsr/data/degradations.py} batched noise: {@code add_gaussian_noise_pt},
 * {@code add_poisson_noise_pt} and their {@code random_*} draws.
 *
 * <p>All images are (B, C, H, W) float32 in [0, 1]; per-image parameters are (B) tensors; g ∈ {0, 1} per image
 * selects gray (one field for all channels) or colour noise. After adding the noise:
 * {@code clip} → clamp(out, 0, 1); {@code clip && rounds} → clamp(round(out·255), 0, 255)/255;
 * {@code rounds} only → round(out·255)/255.
 *
 * <p>Each function comes as an overload taking the random draws (to replay recorded ones) and one drawing them
 * from a torch {@link Generator} in the reference's order. The generator is a CPU one ({@code Torch.generator});
 * its draws are moved to the image's device and type.
 */
public final class Noise {
    private Noise() {
    }

    /**
     * {@code add_gaussian_noise_pt(img, sigma, gray_noise, clip, rounds)} with given draws:
     * noise = randnColor·σ/255·(1 − g) + randnGray·σ/255·g.
     *
     * @param sigma      (B) noise σ on the 0–255 scale
     * @param grayNoise  (B) 0 or 1
     * @param randnColor (B, C, H, W) standard normal
     * @param randnGray  (H, W) standard normal, one field shared by the whole batch; ignored (may be null) when
     *                   no image is gray
     */
    public static Tensor addGaussianNoise(Tensor img, Tensor sigma, Tensor grayNoise, Tensor randnColor,
                                          Tensor randnGray, boolean clip, boolean rounds) {
        long b = img.size(0);
        long h = img.size(2);
        long w = img.size(3);
        Tensor s = sigma.reshape(b, 1, 1, 1);
        Tensor noise = Torch.div(randnColor.mul(s), 255);
        if (anyGray(grayNoise)) {
            Tensor g = grayNoise.reshape(b, 1, 1, 1);
            // degradations.py generate_gaussian_noise_pt: randn(h, w) is one field broadcast over the batch
            Tensor gray = Torch.div(randnGray.reshape(1, 1, h, w).mul(s), 255);
            noise = noise.mul(Torch.rsub(1, g)).add(gray.mul(g));
        }
        return finish(img.add(noise), clip, rounds);
    }

    /**
     * {@code add_gaussian_noise_pt} drawing from {@code generator}: randn(H, W) first (only when some image is
     * gray), then randn(B, C, H, W).
     */
    public static Tensor addGaussianNoise(Tensor img, Tensor sigma, Tensor grayNoise, boolean clip, boolean rounds,
                                          Generator generator) {
        Tensor randnGray = anyGray(grayNoise) ? Torch.randn(generator, img.size(2), img.size(3)).to(img) : null;
        Tensor randnColor = Torch.randn(generator, Torch.shape(img)).to(img);
        return addGaussianNoise(img, sigma, grayNoise, randnColor, randnGray, clip, rounds);
    }

    /**
     * {@code random_add_gaussian_noise_pt(img, sigma_range, gray_prob, clip, rounds)}: σ = rand(B)·(hi − lo) + lo,
     * g = [rand(B) &lt; grayProb], then {@link #addGaussianNoise(Tensor, Tensor, Tensor, boolean, boolean, Generator)}.
     */
    public static Tensor randomAddGaussianNoise(Tensor img, double[] sigmaRange, double grayProb, boolean clip,
                                                boolean rounds, Generator generator) {
        Tensor sigma = uniform(generator, img.size(0), sigmaRange, img);
        Tensor gray = Torch.lt(Torch.rand(generator, img.size(0)), grayProb).to(img);
        return addGaussianNoise(img, sigma, gray, clip, rounds, generator);
    }

    /**
     * {@code add_poisson_noise_pt(img, scale, gray_noise, clip, rounds)} with given Poisson counts:
     * with q = clamp(round(img·255), 0, 255)/255 and n = {@link #levels}(q) per image,
     * noise_c = countsColor/n − q where countsColor ~ Poisson(q·n); the gray twin uses
     * y = {@link #quantizedGray}(img); noise = (noise_c·(1 − g) + noise_g·g)·scale; out = img + noise.
     *
     * @param scale       (B) noise scale
     * @param grayNoise   (B) 0 or 1
     * @param countsColor (B, C, H, W) Poisson draws for the colour image
     * @param countsGray  (B, 1, H, W) Poisson draws for the gray image; ignored (may be null) when no image is gray
     */
    public static Tensor addPoissonNoise(Tensor img, Tensor scale, Tensor grayNoise, Tensor countsColor,
                                         Tensor countsGray, boolean clip, boolean rounds) {
        return addPoissonNoise(img, scale, grayNoise, rate -> countsGray, rate -> countsColor, clip, rounds);
    }

    /** {@code add_poisson_noise_pt} drawing from {@code generator}: the gray counts first, then the colour ones. */
    public static Tensor addPoissonNoise(Tensor img, Tensor scale, Tensor grayNoise, boolean clip, boolean rounds,
                                         Generator generator) {
        UnaryOperator<Tensor> draw = rate -> Torch.poisson(rate.cpu(), generator).to(rate);
        return addPoissonNoise(img, scale, grayNoise, draw, draw, clip, rounds);
    }

    /**
     * {@code random_add_poisson_noise_pt(img, scale_range, gray_prob, clip, rounds)}:
     * scale = rand(B)·(hi − lo) + lo, g = [rand(B) &lt; grayProb], then the Poisson draws.
     */
    public static Tensor randomAddPoissonNoise(Tensor img, double[] scaleRange, double grayProb, boolean clip,
                                               boolean rounds, Generator generator) {
        Tensor scale = uniform(generator, img.size(0), scaleRange, img);
        Tensor gray = Torch.lt(Torch.rand(generator, img.size(0)), grayProb).to(img);
        return addPoissonNoise(img, scale, gray, clip, rounds, generator);
    }

    /**
     * The gray image the Poisson noise uses: torchvision {@code rgb_to_grayscale} (0.2989 R + 0.587 G + 0.114 B),
     * rounded and clipped to the 256 levels: (B, 3, H, W) → (B, 1, H, W).
     */
    public static Tensor quantizedGray(Tensor img) {
        Tensor r = img.select(1, 0);
        Tensor g = img.select(1, 1);
        Tensor b = img.select(1, 2);
        Tensor gray = Torch.mul(r, 0.2989).add(Torch.mul(g, 0.587)).add(Torch.mul(b, 0.114)).unsqueeze(1);
        return quantized(gray);
    }

    /** {@code 2^ceil(log2(#unique values))} per image, the Poisson "photon" count scale: (B, …) → (B) float32. */
    public static Tensor levels(Tensor quantized) {
        long b = quantized.size(0);
        float[] out = new float[(int) b];
        for (int i = 0; i < b; i++) {
            out[i] = nextPowerOfTwo(countUnique(Torch.toFloats(quantized.select(0, i))));
        }
        return Torch.fromFloats(out, b);
    }

    private static Tensor addPoissonNoise(Tensor img, Tensor scale, Tensor grayNoise, UnaryOperator<Tensor> grayDraw,
                                          UnaryOperator<Tensor> colorDraw, boolean clip, boolean rounds) {
        long b = img.size(0);
        Tensor grayShotNoise = null;
        if (anyGray(grayNoise)) {
            grayShotNoise = shotNoise(quantizedGray(img), grayDraw).expand(Torch.shape(img));
        }
        Tensor noise = shotNoise(quantized(img), colorDraw);
        if (grayShotNoise != null) {
            Tensor g = grayNoise.reshape(b, 1, 1, 1);
            noise = noise.mul(Torch.rsub(1, g)).add(grayShotNoise.mul(g));
        }
        noise = noise.mul(scale.reshape(b, 1, 1, 1));
        return finish(img.add(noise), clip, rounds);
    }

    /** counts/n − q with counts = draw(q·n), n = {@link #levels}(q). */
    private static Tensor shotNoise(Tensor q, UnaryOperator<Tensor> draw) {
        Tensor n = levels(q).to(q).reshape(q.size(0), 1, 1, 1);
        Tensor counts = draw.apply(q.mul(n));
        return counts.div(n).sub(q);
    }

    private static Tensor quantized(Tensor x) {
        return Torch.div(Torch.clamp(Torch.mul(x, 255).round(), 0, 255), 255);
    }

    private static Tensor finish(Tensor out, boolean clip, boolean rounds) {
        if (clip && rounds) {
            return Torch.div(Torch.clamp(Torch.mul(out, 255).round(), 0, 255), 255);
        }
        if (clip) {
            return Torch.clamp(out, 0, 1);
        }
        if (rounds) {
            return Torch.div(Torch.mul(out, 255).round(), 255);
        }
        return out;
    }

    // degradations.py: the gray branch (and its random draw) runs only when sum(gray_noise) > 0
    private static boolean anyGray(Tensor grayNoise) {
        return grayNoise.sum().item_double() > 0;
    }

    /** rand(n)·(hi − lo) + lo, float32, as the {@code random_*_pt} functions draw per-image parameters. */
    private static Tensor uniform(Generator generator, long n, double[] range, Tensor like) {
        return Torch.add(Torch.mul(Torch.rand(generator, n), range[1] - range[0]), range[0]).to(like);
    }

    /** 2^ceil(log2(n)) for n ≥ 1, exactly (np.log2 is exact on powers of two). */
    private static int nextPowerOfTwo(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /** {@code len(torch.unique(x))}: distinct values, with −0.0 equal to 0.0. */
    private static int countUnique(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int unique = sorted.length == 0 ? 0 : 1;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] != sorted[i - 1]) {
                unique++;
            }
        }
        return unique;
    }
}
