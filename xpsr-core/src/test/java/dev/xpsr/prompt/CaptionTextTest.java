package dev.xpsr.prompt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** XPSR's answer post-processing and the length bound. */
class CaptionTextTest {
    @Test
    void keepsTheTextAfterTheLastAssistantMarker() {
        // what LLaVA's batch_decode returns: the prompt, then the answer
        String decoded = "\nUSER: Please provide a descriptive summary of the content of this image. \nASSISTANT: "
                + "The image shows a cat.\nIt sits on a mat.";
        assertThat(CaptionText.clean(decoded, 1000)).isEqualTo("The image shows a cat. It sits on a mat.");
        assertThat(CaptionText.clean("ASSISTANT: a ASSISTANT: b", 1000)).isEqualTo("b");
        assertThat(CaptionText.clean("no marker here", 1000)).isEqualTo("no marker here");
    }

    @Test
    void lineBreaksBecomeSpacesAndTheEndsAreTrimmed() {
        assertThat(CaptionText.clean("  one\r\ntwo\rthree\nfour  \n", 1000)).isEqualTo("one  two three four");
        assertThat(CaptionText.clean(" \n\t ", 1000)).isEmpty();
    }

    @Test
    void longTextIsCutAtAWordBoundary() {
        String text = "alpha beta gamma delta epsilon";
        assertThat(CaptionText.clean(text, 12)).isEqualTo("alpha beta");
        assertThat(CaptionText.clean(text, 1000)).isEqualTo(text);
        // one unbroken token is cut where it is
        assertThat(CaptionText.clean("x".repeat(50), 10)).isEqualTo("x".repeat(10));
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String emoji = "\uD83D\uDE00";
        String cut = CaptionText.clean("ab" + emoji + emoji, 3);
        assertThat(cut).isEqualTo("ab");
    }

    @Test
    void instructionsAreXpsrsExactStrings() {
        // utils_data/highlevel_prompt_test.py and lowlevel_prompt_test.py
        assertThat(Instruction.LLAVA15_HIGH_LEVEL_PROMPT).isEqualTo(
                "<image>\nUSER: Please provide a descriptive summary of the content of this image. \nASSISTANT:");
        assertThat(Instruction.LOW_LEVEL).isEqualTo("Describe and evaluate the quality of the image.");
        assertThat(PromptKind.HIGH_LEVEL.instruction()).isEqualTo(Instruction.HIGH_LEVEL);
        assertThat(PromptKind.LOW_LEVEL_GT.instruction()).isEqualTo(Instruction.LOW_LEVEL);
    }
}
