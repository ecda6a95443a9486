package dev.xpsr.prompt;

/** How strongly one degradation shows, in the four steps the low-level prompt words. */
public enum Severity {
    NONE, SLIGHT, MODERATE, STRONG;

    /**
     * The step of {@code value} on an ascending scale: NONE below {@code slight}, SLIGHT from it, MODERATE from
     * {@code moderate}, STRONG from {@code strong}. NaN (not measurable) is NONE.
     */
    static Severity of(double value, double slight, double moderate, double strong) {
        if (value >= strong) {
            return STRONG;
        }
        if (value >= moderate) {
            return MODERATE;
        }
        return value >= slight ? SLIGHT : NONE;
    }

    /** The step of {@code value} on a descending scale (smaller is worse). */
    static Severity below(double value, double slight, double moderate, double strong) {
        return Double.isNaN(value) ? NONE : of(-value, -slight, -moderate, -strong);
    }

    /** 0 for NONE up to 3 for STRONG. */
    int level() {
        return ordinal();
    }
}
