package dev.xpsr.prompt;

/** The exposure verdict of the low-level prompt, from mean luma and clipped fractions. */
public enum Exposure {
    /** Underexposed: very low mean luma. */
    DARK("the image is underexposed and very dark", 2),
    /** Low mean luma. */
    DIM("the lighting is dim", 1),
    GOOD("the lighting is good", 0),
    /** High mean luma or many blown-out pixels. */
    OVEREXPOSED("the image is overexposed with blown-out highlights", 1);

    private final String phrase;
    private final int penalty;

    Exposure(String phrase, int penalty) {
        this.phrase = phrase;
        this.penalty = penalty;
    }

    /** The clause of the prompt. */
    public String phrase() {
        return phrase;
    }

    int penalty() {
        return penalty;
    }
}
