package dev.xpsr.prompt;

/**
 * The instructions XPSR gives its two MLLMs ({@code utils_data/highlevel_prompt_*.py},
 * {@code utils_data/lowlevel_prompt_*.py}).
 *
 * <p>The high-level caption comes from LLaVA-1.5 (HF {@code llava-hf/llava-1.5-7b-hf}) prompted in-process with
 * {@link #LLAVA15_HIGH_LEVEL_PROMPT}, the LLaVA-1.5 conversation template around {@link #HIGH_LEVEL}. Through a chat
 * API the server applies the model's own template (for a LLaVA-1.5 model the same {@code USER: … ASSISTANT:}
 * form), so the client sends the instruction alone as the user message, the image first as in XPSR's prompt. The
 * low-level description comes from the Q-Instruct fine-tune of InternLM-XComposer-VL, called with
 * {@link #LOW_LEVEL}.
 */
public final class Instruction {
    /** The high-level (content) instruction, as in XPSR's LLaVA prompt. */
    public static final String HIGH_LEVEL = "Please provide a descriptive summary of the content of this image.";
    /** The low-level (quality) instruction passed to Q-Instruct's {@code model.generate}. */
    public static final String LOW_LEVEL = "Describe and evaluate the quality of the image.";
    /**
     * XPSR's exact in-process LLaVA-1.5 prompt, trailing space before the newline included; the answer is the text
     * after the last {@code "ASSISTANT:"}.
     */
    public static final String LLAVA15_HIGH_LEVEL_PROMPT = llava15Prompt(HIGH_LEVEL);
    /** The marker after which XPSR keeps the generated text. */
    public static final String ASSISTANT_MARKER = "ASSISTANT:";

    private Instruction() {
    }

    /** {@code instruction} in the LLaVA-1.5 template XPSR uses: {@code "<image>\nUSER: … \nASSISTANT:"}. */
    public static String llava15Prompt(String instruction) {
        return "<image>\nUSER: " + instruction + " \n" + ASSISTANT_MARKER;
    }
}
