package dev.xpsr.prompt;

/**
 * The prompt folders of an XPSR dataset, beside its {@code LR/} (and {@code HR/}) folder: one
 * {@code <name>.txt} per image, holding one line.
 */
public enum PromptKind {
    /** LLaVA content caption of the LR image, used at inference ({@code test.py}). */
    HIGH_LEVEL("highlevel_prompt", Instruction.HIGH_LEVEL),
    /** Q-Instruct quality description of the LR image. */
    LOW_LEVEL("lowlevel_prompt_q", Instruction.LOW_LEVEL),
    /** LLaVA caption of the HR image (training data). */
    HIGH_LEVEL_GT("highlevel_prompt_GT", Instruction.HIGH_LEVEL),
    /** Q-Instruct description of the HR image (training data: 10 % of samples condition on it). */
    LOW_LEVEL_GT("lowlevel_prompt_q_GT", Instruction.LOW_LEVEL);

    private final String folder;
    private final String instruction;

    PromptKind(String folder, String instruction) {
        this.folder = folder;
        this.instruction = instruction;
    }

    /** The folder name XPSR uses. */
    public String folder() {
        return folder;
    }

    /** XPSR's MLLM instruction for this kind. */
    public String instruction() {
        return instruction;
    }
}
