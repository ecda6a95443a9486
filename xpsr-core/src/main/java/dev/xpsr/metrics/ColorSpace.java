package dev.xpsr.metrics;

/**
 * The luma that pyiqa 0.1.10's {@code to_y_channel} takes for the {@code psnry} / {@code ssim} metrics.
 */
public enum ColorSpace {
    /** pyiqa's default: Y of YIQ, {@code 0.299 R + 0.587 G + 0.114 B}, no offset. */
    YIQ,
    /** BT.601 "studio" luma {@code (16 + 65.481 R + 128.553 G + 24.966 B) / 255}, as OSEDiff's scripts ask for. */
    YCBCR
}
