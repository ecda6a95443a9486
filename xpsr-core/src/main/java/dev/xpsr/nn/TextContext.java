package dev.xpsr.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * The text conditioning a UNet or ControlNet block attends to: the high-level (content) prompt embeddings
 * (B, 77, D) that SD's cross-attention has always used, and XPSR's low-level (quality) prompt embeddings
 * (B, 77, D), or null when there is none.
 */
public record TextContext(Tensor text, Tensor lowlevel) {
    public static TextContext of(Tensor text) {
        return new TextContext(text, null);
    }
}
