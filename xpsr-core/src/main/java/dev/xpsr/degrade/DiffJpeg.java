package dev.xpsr.degrade;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * BasicSR 1.4.2 {@code basicsr/utils/diffjpeg.py DiffJPEG(differentiable=False)}: a batched JPEG round trip in
 * float32 tensors, with one quality per image.
 *
 * <p>img (B, 3, H, W) RGB in [0, 1] → (B, 3, H, W). The image is zero-padded to multiples of 16, then
 * <ol>
 *   <li>compression: x·255 → YCbCr (JFIF: Y = 0.299R + 0.587G + 0.114B, Cb/Cr + 128) → Cb, Cr 2×2 average
 *       pooled → 8×8 blocks in raster order → DCT of (block − 128) scaled by α_uα_v/4 (α₀ = 1/√2) →
 *       divided by table·factor and rounded (half to even): {@link Coefficients} (B, blocks, 8, 8);</li>
 *   <li>decompression: × table·factor → inverse DCT (α_uα_v, ·¼, + 128) → blocks merged → Cb, Cr repeated
 *       2×2 → RGB → clamp to [0, 255] → /255, cropped back to H×W.</li>
 * </ol>
 * factor = 50/q for q &lt; 50, else (200 − 2q)/100 ({@code quality_to_factor}).
 */
public final class DiffJpeg {
    // diffjpeg.py y_table / c_table: the standard JPEG tables, stored transposed (.T) by the reference
    private static final float[] Y_TABLE = transposed(new float[] {
            16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
            14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
            18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
            49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99});
    private static final float[] C_TABLE = chromaTable();
    private static final float[] RGB_TO_YCBCR = transposed3(new float[] {
            0.299f, 0.587f, 0.114f, -0.168736f, -0.331264f, 0.5f, 0.5f, -0.418688f, -0.081312f});
    private static final float[] YCBCR_TO_RGB = transposed3(new float[] {
            1f, 0f, 1.402f, 1f, -0.344136f, -0.714136f, 1f, 1.772f, 0f});
    private static final float[] DCT = cosines(false);
    private static final float[] IDCT = cosines(true);
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);

    private DiffJpeg() {
    }

    /** Quantised DCT coefficients: y (B, H·W/64, 8, 8); cb, cr (B, H·W/256, 8, 8), blocks in raster order. */
    public record Coefficients(Tensor y, Tensor cb, Tensor cr) {
    }

    /** {@code DiffJPEG(img, quality)} with a (B) tensor of qualities. */
    public static Tensor apply(Tensor img, Tensor quality) {
        return roundTrip(img, factors(quality));
    }

    /** {@code DiffJPEG(img, quality)} with one Python-number quality for every image. */
    public static Tensor apply(Tensor img, double quality) {
        // diffjpeg.py DiffJPEG.forward: a number's factor stays a Python float until torch rounds it to float32
        // against the table, which can differ by one ulp from the float32 tensor path of factors()
        float factor = (float) qualityToFactor(quality);
        float[] perImage = new float[(int) img.size(0)];
        Arrays.fill(perImage, factor);
        return roundTrip(img, Torch.fromFloats(perImage, perImage.length));
    }

    /** {@code quality_to_factor} on a Python number, in double precision. */
    public static double qualityToFactor(double quality) {
        return (quality < 50 ? 5000.0 / quality : 200.0 - quality * 2) / 100.0;
    }

    /**
     * The per-image factors DiffJPEG computes from a quality tensor, element by element in float32. (The
     * reference also writes them back into the caller's quality tensor; this returns a new one.)
     */
    public static Tensor factors(Tensor quality) {
        float[] q = Torch.toFloats(quality);
        float[] f = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            // torch 1.13 Tensor.__rtruediv__: 5000. / q is computed as reciprocal(q) * 5000
            f[i] = q[i] < 50 ? (1f / q[i]) * 5000f / 100f : (200f - q[i] * 2f) / 100f;
        }
        return Torch.fromFloats(f, f.length);
    }

    /** {@code CompressJpeg(img, factor)} on an image already padded to multiples of 16; factor (B). */
    public static Coefficients compress(Tensor img, Tensor factor) {
        Tensor ycc = toYcbcr(Torch.mul(img, 255).permute(0, 2, 3, 1));
        Tensor y = ycc.select(3, 0);
        Tensor cb = Torch.avgPool2d(ycc.select(3, 1).unsqueeze(1), 2).squeeze(1);
        Tensor cr = Torch.avgPool2d(ycc.select(3, 2).unsqueeze(1), 2).squeeze(1);
        return new Coefficients(quantize(dct(blocks(y)), Y_TABLE, factor),
                quantize(dct(blocks(cb)), C_TABLE, factor),
                quantize(dct(blocks(cr)), C_TABLE, factor));
    }

    /** {@code DeCompressJpeg(y, cb, cr, height, width, factor)} for the padded size; → (B, 3, height, width). */
    public static Tensor decompress(Coefficients c, long height, long width, Tensor factor) {
        Tensor y = merge(idct(dequantize(c.y(), Y_TABLE, factor)), height, width);
        // diffjpeg.py DeCompressJpeg: chroma planes are int(imgh / 2) x int(imgw / 2)
        Tensor cb = upsample2x(merge(idct(dequantize(c.cb(), C_TABLE, factor)), height / 2, width / 2));
        Tensor cr = upsample2x(merge(idct(dequantize(c.cr(), C_TABLE, factor)), height / 2, width / 2));
        Tensor ycc = Torch.cat(3, y.unsqueeze(3), cb.unsqueeze(3), cr.unsqueeze(3));
        Tensor rgb = toRgb(ycc).permute(0, 3, 1, 2);
        return Torch.div(Torch.clamp(rgb, 0, 255), 255);
    }

    private static Tensor roundTrip(Tensor img, Tensor factor) {
        long h = img.size(2);
        long w = img.size(3);
        long padH = (16 - h % 16) % 16;
        long padW = (16 - w % 16) % 16;
        Tensor padded = Torch.pad(img, 0, padW, 0, padH);
        Tensor out = decompress(compress(padded, factor), h + padH, w + padW, factor);
        return out.narrow(2, 0, h).narrow(3, 0, w);
    }

    /** RGB2YCbCrJpeg: (B, H, W, 3) · M + [0, 128, 128]. */
    private static Tensor toYcbcr(Tensor rgb) {
        return mix(rgb, RGB_TO_YCBCR).add(chromaShift(128).to(rgb));
    }

    /** YCbCr2RGBJpeg: (ycc + [0, −128, −128]) · M. */
    private static Tensor toRgb(Tensor ycc) {
        return mix(ycc.add(chromaShift(-128).to(ycc)), YCBCR_TO_RGB);
    }

    /** tensordot(hwc, M, dims=1) for hwc (B, H, W, 3) and M 3×3. */
    private static Tensor mix(Tensor hwc, float[] matrix) {
        return hwc.reshape(-1, 3).mm(Torch.fromFloats(matrix, 3, 3).to(hwc)).reshape(Torch.shape(hwc));
    }

    private static Tensor chromaShift(float shift) {
        return Torch.fromFloats(new float[] {0, shift, shift}, 3);
    }

    /** (B, H, W) → (B, H/8·W/8, 8, 8), blocks in raster order. */
    private static Tensor blocks(Tensor plane) {
        long b = plane.size(0);
        long h = plane.size(1);
        long w = plane.size(2);
        return plane.reshape(b, h / 8, 8, w / 8, 8).permute(0, 1, 3, 2, 4).contiguous().reshape(b, -1, 8, 8);
    }

    /** (B, n, 8, 8) → (B, height, width), the inverse of {@link #blocks}. */
    private static Tensor merge(Tensor patches, long height, long width) {
        long b = patches.size(0);
        return patches.reshape(b, height / 8, width / 8, 8, 8).permute(0, 1, 3, 2, 4).contiguous()
                .reshape(b, height, width);
    }

    private static Tensor dct(Tensor blocks) {
        Tensor shifted = Torch.add(blocks, -128);
        return scaleTable(0.25).to(blocks).mul(contract(shifted, DCT));
    }

    private static Tensor idct(Tensor coefficients) {
        Tensor weighted = coefficients.mul(scaleTable(1).to(coefficients));
        return Torch.add(Torch.mul(contract(weighted, IDCT), 0.25), 128);
    }

    /** tensordot(x, T, dims=2) for x (B, n, 8, 8) and T (8, 8, 8, 8). */
    private static Tensor contract(Tensor x, float[] t) {
        long[] shape = Torch.shape(x);
        return x.reshape(-1, 64).mm(Torch.fromFloats(t, 64, 64).to(x)).reshape(shape);
    }

    private static Tensor quantize(Tensor coefficients, float[] table, Tensor factor) {
        return coefficients.div(scaledTable(table, factor, coefficients)).round();
    }

    private static Tensor dequantize(Tensor coefficients, float[] table, Tensor factor) {
        return coefficients.mul(scaledTable(table, factor, coefficients));
    }

    /** table.expand(B, 1, 8, 8) · factor.view(B, 1, 1, 1). */
    private static Tensor scaledTable(float[] table, Tensor factor, Tensor like) {
        long b = factor.size(0);
        return Torch.fromFloats(table, 1, 1, 8, 8).to(like).mul(factor.reshape(b, 1, 1, 1).to(like));
    }

    /** outer(α, α)·s in float64, stored float32 (α = [1/√2, 1, …, 1]). */
    private static Tensor scaleTable(double s) {
        float[] out = new float[64];
        for (int u = 0; u < 8; u++) {
            for (int v = 0; v < 8; v++) {
                out[u * 8 + v] = (float) (alpha(u) * alpha(v) * s);
            }
        }
        return Torch.fromFloats(out, 8, 8);
    }

    private static double alpha(int i) {
        return i == 0 ? INV_SQRT2 : 1;
    }

    /** Nearest 2× upsampling of (B, h, w), as ChromaUpsampling's repeat/view does. */
    private static Tensor upsample2x(Tensor plane) {
        return Torch.interpolateNearest(plane.unsqueeze(1), plane.size(1) * 2, plane.size(2) * 2).squeeze(1);
    }

    /**
     * The (8,8,8,8) cosine tensor as a 64×64 matrix [x·8+y][u·8+v]: cos((2x+1)uπ/16)·cos((2y+1)vπ/16) for the
     * DCT, cos((2u+1)xπ/16)·cos((2v+1)yπ/16) for the inverse (float64, stored float32).
     */
    private static float[] cosines(boolean inverse) {
        float[] t = new float[64 * 64];
        for (int x = 0; x < 8; x++) {
            for (int y = 0; y < 8; y++) {
                for (int u = 0; u < 8; u++) {
                    for (int v = 0; v < 8; v++) {
                        double c = inverse ? cosine(u, x) * cosine(v, y) : cosine(x, u) * cosine(y, v);
                        t[(x * 8 + y) * 64 + u * 8 + v] = (float) c;
                    }
                }
            }
        }
        return t;
    }

    /** cos((2·position + 1)·frequency·π/16), in numpy's operation order. */
    private static double cosine(int position, int frequency) {
        return StrictMath.cos((2 * position + 1) * frequency * Math.PI / 16);
    }

    private static float[] chromaTable() {
        float[] t = new float[64];
        Arrays.fill(t, 99);
        float[] corner = {17, 18, 24, 47, 18, 21, 26, 66, 24, 26, 56, 99, 47, 66, 99, 99};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                t[i * 8 + j] = corner[j * 4 + i];
            }
        }
        return t;
    }

    private static float[] transposed(float[] m8) {
        float[] t = new float[64];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 8; j++) {
                t[i * 8 + j] = m8[j * 8 + i];
            }
        }
        return t;
    }

    private static float[] transposed3(float[] m3) {
        float[] t = new float[9];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                t[i * 3 + j] = m3[j * 3 + i];
            }
        }
        return t;
    }
}
