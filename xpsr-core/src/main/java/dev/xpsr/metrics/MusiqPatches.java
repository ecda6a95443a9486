package dev.xpsr.metrics;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * MUSIQ's multi-scale image representation, as pyiqa 0.1.10's {@code get_multiscale_patches} builds it (after
 * the original {@code musiq/model/preprocessing.py}): for each longer-side length L (sorted ascending, scale ids
 * 0, 1, …) the image is resized preserving its aspect ratio to (round(h·L/max(h,w)), round(w·L/max(h,w)))
 * (Python's half-to-even {@code round}; bicubic, align_corners False, no antialiasing, no clamping), zero-padded
 * TF-'SAME' to whole patches, cut into non-overlapping patches in row-major order and padded with empty patches
 * (mask 0, position 0, scale id 0) up to ⌈L/stride⌉²; the image at its own resolution follows with the next scale
 * id, with all its patches or padded / cut to a given count ({@code max_seq_len_from_original_res}), unless that
 * count is None. Each patch carries a hashed spatial position: its row and column are mapped
 * onto a G×G grid by nearest-neighbour interpolation of {@code arange(G)} (torch's legacy 'nearest':
 * ⌊i·(G/count)⌋ in float32), position = row_hash·G + col_hash.
 *
 * <p>The patch stride equals the patch size, which is what MUSIQ uses; the layout is the same for every image of
 * one size, so it is computed once per batch.
 */
final class MusiqPatches {
    /** Layout of the token sequence, shared by all images of one size. */
    record Layout(long[] spatialPositions, long[] scaleIds, long[] mask) {
        int length() {
            return mask.length;
        }
    }

    /** The patches (N, L, 3, P, P) and the layout of their L tokens. */
    record Result(Tensor patches, Layout layout) {
    }

    private final int patchSize;
    private final int gridSize;
    private final int[] longerSides;
    private final OptionalInt nativeTokens;

    /**
     * @param patchSize    P (also the stride)
     * @param gridSize     G of the hashed spatial positions
     * @param longerSides  longer-side lengths of the resized scales, in any order
     * @param nativeTokens tokens of the native scale that follows them: empty = no native scale, negative = all
     *                     its patches, else padded or cut to that many
     */
    MusiqPatches(int patchSize, int gridSize, int[] longerSides, OptionalInt nativeTokens) {
        this.patchSize = patchSize;
        this.gridSize = gridSize;
        this.longerSides = longerSides.clone();
        // pyiqa sorts so that a scale id always names the same resolution, whatever order the config lists
        Arrays.sort(this.longerSides);
        this.nativeTokens = nativeTokens;
    }

    /** The representation of a batch (N, 3, H, W) of images already mapped to [−1, 1]. */
    Result extract(Tensor images) {
        long h = images.size(2);
        long w = images.size(3);
        List<Tensor> parts = new ArrayList<>();
        List<long[][]> layouts = new ArrayList<>();
        for (int scale = 0; scale < longerSides.length; scale++) {
            long[] size = resizedSize(h, w, longerSides[scale]);
            if (size[0] < 1 || size[1] < 1) {
                throw new IllegalArgumentException("MUSIQ: a " + w + "x" + h + " image is too narrow: scaled to a "
                        + "longer side of " + longerSides[scale] + " it becomes " + size[1] + "x" + size[0]);
            }
            Tensor resized = Torch.upsampleBicubic(images, size[0], size[1], null, null);
            long maxLen = ceilDiv(longerSides[scale], patchSize) * ceilDiv(longerSides[scale], patchSize);
            parts.add(padOrCut(patches(resized), maxLen));
            layouts.add(positions(size[0], size[1], scale, maxLen));
        }
        if (nativeTokens.isPresent()) {
            long maxLen = Math.max(-1, nativeTokens.getAsInt());
            Tensor all = patches(images);
            parts.add(maxLen < 0 ? all : padOrCut(all, maxLen));
            layouts.add(positions(h, w, longerSides.length, maxLen));
        }
        return new Result(Torch.cat(1, parts.toArray(new Tensor[0])), concat(layouts));
    }

    /** The resized (height, width) for a longer side of {@code longer}: Python's {@code round(h * ratio)}. */
    static long[] resizedSize(long h, long w, int longer) {
        double ratio = (double) longer / Math.max(h, w);
        return new long[] {(long) Math.rint(h * ratio), (long) Math.rint(w * ratio)};
    }

    /** Hashed grid index of each of {@code count} rows (or columns): ⌊i·(G/count)⌋, float32 as torch computes it. */
    static long[] hashedIndices(int grid, long count) {
        long[] out = new long[(int) count];
        float scale = (float) grid / (float) count;
        for (int i = 0; i < count; i++) {
            out[i] = count == grid ? i : Math.min((long) Math.floor((float) i * scale), grid - 1);
        }
        return out;
    }

    /** Layout of one scale: {spatial, scale id, mask} per token, padded (or cut) to {@code maxLen} if ≥ 0. */
    long[][] positions(long h, long w, int scaleId, long maxLen) {
        long rows = ceilDiv(h, patchSize);
        long cols = ceilDiv(w, patchSize);
        long[] hashRow = hashedIndices(gridSize, rows);
        long[] hashCol = hashedIndices(gridSize, cols);
        int real = (int) (rows * cols);
        int length = maxLen < 0 ? real : (int) maxLen;
        long[][] out = new long[3][length];
        for (int i = 0; i < Math.min(real, length); i++) {
            out[0][i] = hashRow[(int) (i / cols)] * gridSize + hashCol[(int) (i % cols)];
            out[1][i] = scaleId;
            out[2][i] = 1;
        }
        return out;
    }

    /** Non-overlapping P×P patches of (N, 3, H, W) after TF-'SAME' zero padding: (N, rows·cols, 3, P, P). */
    Tensor patches(Tensor x) {
        Tensor padded = TfSamePadding.pad(x, patchSize, patchSize);
        long n = padded.size(0);
        long c = padded.size(1);
        long rows = padded.size(2) / patchSize;
        long cols = padded.size(3) / patchSize;
        return padded.reshape(n, c, rows, patchSize, cols, patchSize).permute(0, 2, 4, 1, 3, 5)
                .reshape(n, rows * cols, c, patchSize, patchSize);
    }

    /** {@code _pad_or_cut_to_max_seq_len}: zero patches appended, then the first {@code maxLen} kept. */
    private static Tensor padOrCut(Tensor patches, long maxLen) {
        long have = patches.size(1);
        if (have >= maxLen) {
            return patches.narrow(1, 0, maxLen);
        }
        // F.pad lists dimensions from the last: (P, P, 3) unpadded, the token dimension padded at its end
        return Torch.pad(patches, 0, 0, 0, 0, 0, 0, 0, maxLen - have);
    }

    private static Layout concat(List<long[][]> layouts) {
        int total = layouts.stream().mapToInt(l -> l[0].length).sum();
        long[][] out = new long[3][total];
        int at = 0;
        for (long[][] l : layouts) {
            for (int k = 0; k < 3; k++) {
                System.arraycopy(l[k], 0, out[k], at, l[k].length);
            }
            at += l[0].length;
        }
        return new Layout(out[0], out[1], out[2]);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
