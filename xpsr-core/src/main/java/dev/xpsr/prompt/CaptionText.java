package dev.xpsr.prompt;

/**
 * XPSR's post-processing of an MLLM answer, plus a length bound: the text after the last
 * {@code "ASSISTANT:"} if the answer contains one ({@code text.split("ASSISTANT:")[-1]}), line breaks replaced by
 * spaces ({@code text.replace('\n', ' ')}; carriage returns too, since Python's universal-newline reading would
 * otherwise end the prompt's first line at one), surrounding whitespace removed, and the result cut to a maximum
 * length at a word boundary. The official code does not trim; its reader left-strips, and CLIP tokenisation
 * ignores the trailing whitespace, so trimming changes no prompt.
 */
public final class CaptionText {
    private CaptionText() {
    }

    /** The cleaned answer, at most {@code maxChars} characters; may be empty. */
    public static String clean(String answer, int maxChars) {
        int marker = answer.lastIndexOf(Instruction.ASSISTANT_MARKER);
        String text = marker < 0 ? answer : answer.substring(marker + Instruction.ASSISTANT_MARKER.length());
        text = text.replace('\n', ' ').replace('\r', ' ').strip();
        return bound(text, maxChars);
    }

    /** {@code text} cut to at most {@code maxChars} characters, at the last space if one is near the end. */
    static String bound(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        int cut = maxChars;
        if (Character.isLowSurrogate(text.charAt(cut))) {
            cut--;
        }
        int space = text.lastIndexOf(' ', cut);
        // a space in the last fifth keeps the cut between words; an absurd unbroken token is cut where it is
        if (space > maxChars * 4 / 5) {
            cut = space;
        }
        return text.substring(0, cut).strip();
    }
}
