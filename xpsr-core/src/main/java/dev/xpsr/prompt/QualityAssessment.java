package dev.xpsr.prompt;

import java.util.ArrayList;
import java.util.List;

/**
 * The verdicts of {@link QualityThresholds} on one image, and their wording as a low-level prompt in the style of
 * the Q-Instruct descriptions XPSR was trained with, e.g. "The image is blurry and noisy with visible compression
 * artifacts; the lighting is dim; overall quality is poor."
 *
 * @param blur         blur verdict ("slightly blurry", "blurry", "very blurry")
 * @param noise        noise verdict ("slightly noisy", "noisy", "very noisy")
 * @param compression  JPEG blocking verdict
 * @param detailLost   whether the spectrum says fine detail is missing
 * @param exposure     exposure verdict
 * @param lowContrast  how low the contrast is
 * @param tint         the colour tint's name ("yellowish", ...), or null without a cast
 * @param overall      the overall verdict
 */
public record QualityAssessment(Severity blur, Severity noise, Severity compression, boolean detailLost,
                                Exposure exposure, Severity lowContrast, String tint, OverallQuality overall) {
    private static final String[] BLUR = {"", "slightly blurry", "blurry", "very blurry"};
    private static final String[] NOISE = {"", "slightly noisy", "noisy", "very noisy"};
    private static final String[] BLOCKS = {"", "slight compression artifacts", "visible compression artifacts",
            "strong blocky compression artifacts"};
    private static final String[] CONTRAST = {"", "the contrast is slightly low", "the contrast is low",
            "the image is washed out with very low contrast"};

    /** The low-level prompt: clauses joined by "; ", one sentence. */
    public String describe() {
        List<String> clauses = new ArrayList<>();
        clauses.add(mainClause());
        if (detailLost && !(blur == Severity.NONE && noise == Severity.NONE && compression == Severity.NONE)) {
            clauses.add("fine details are lost");
        }
        clauses.add(exposure.phrase());
        if (lowContrast != Severity.NONE) {
            clauses.add(CONTRAST[lowContrast.level()]);
        }
        if (tint != null) {
            clauses.add("the colours have a " + tint + " tint");
        }
        clauses.add("overall quality is " + overall.word());
        return String.join("; ", clauses) + ".";
    }

    /** "The image is blurry and noisy with visible compression artifacts", or the clean wording. */
    private String mainClause() {
        List<String> adjectives = new ArrayList<>();
        if (blur != Severity.NONE) {
            adjectives.add(BLUR[blur.level()]);
        }
        if (noise != Severity.NONE) {
            adjectives.add(NOISE[noise.level()]);
        }
        String artifacts = BLOCKS[compression.level()];
        if (adjectives.isEmpty()) {
            if (!artifacts.isEmpty()) {
                return "The image shows " + artifacts;
            }
            return detailLost ? "The image is clear but lacks fine detail" : "The image is clear and sharp with fine details";
        }
        String clause = "The image is " + String.join(" and ", adjectives);
        return artifacts.isEmpty() ? clause : clause + " with " + artifacts;
    }
}
