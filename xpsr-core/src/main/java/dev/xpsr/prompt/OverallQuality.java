package dev.xpsr.prompt;

/** The overall verdict closing the low-level prompt, on the Q-Instruct / Q-Align wording scale. */
public enum OverallQuality {
    GOOD, FAIR, POOR, BAD;

    /** The word the prompt uses ("good", "fair", "poor", "bad"). */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
