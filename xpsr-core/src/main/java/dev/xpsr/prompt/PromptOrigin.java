package dev.xpsr.prompt;

/** Where a prompt came from, so a run can report it per image. */
public enum PromptOrigin {
    /** Given on the command line or by the caller. */
    ARGUMENT,
    /** Read from an XPSR prompt folder. */
    FOLDER,
    /** Asked from a model server. */
    SERVER,
    /** Measured by the built-in {@link DegradationAnalyser}. */
    ANALYSER,
    /** No source had one; the prompt is empty (what {@code test.py} uses for an empty file). */
    NONE
}
