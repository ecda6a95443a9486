package dev.xpsr.train;

import org.bytedeco.pytorch.Tensor;

/**
 * One training example as {@code localdataset.py} hands it to {@code train.py}.
 *
 * @param name          the pair's id (set and relative path), for messages
 * @param pixelValues   the HR crop (1, 3, H, W) in [−1, 1]
 * @param conditioning  the control image (1, 3, H, W) in [0, 1]: the upsampled LR, or the HR itself
 * @param highlevel     the high-level text the networks see
 * @param lowlevel      the low-level (quality) text
 * @param negative      a negative sample: the degraded image (the conditioning, in [0, 1]) is the diffusion target
 *                      and the texts are the negative prompts; the DFC targets stay the HR
 */
public record TrainingSample(String name, Tensor pixelValues, Tensor conditioning, String highlevel, String lowlevel,
                             boolean negative) {
}
