package dev.xpsr.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reading captions from XPSR's dataset layout: {@code <dir>/highlevel_prompt/<name>.txt} and
 * {@code <dir>/lowlevel_prompt_q/<name>.txt}. As {@code test.py} reads them: the first line as
 * {@code readlines()[0]} gives it (its newline kept), left-stripped; an empty file gives an empty prompt.
 */
public record PromptFolder(Path dir) {
    public static final String HIGHLEVEL = "highlevel_prompt";
    public static final String LOWLEVEL = "lowlevel_prompt_q";

    /** The high-level caption for the image named {@code stem}, if its file exists. */
    public Optional<String> highlevel(String stem) throws IOException {
        return read(dir.resolve(HIGHLEVEL).resolve(stem + ".txt"));
    }

    /** The low-level description for the image named {@code stem}, if its file exists. */
    public Optional<String> lowlevel(String stem) throws IOException {
        return read(dir.resolve(LOWLEVEL).resolve(stem + ".txt"));
    }

    /** Python's {@code open(f).readlines()[0].lstrip()} (empty when the file is empty). */
    static Optional<String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String first = nl < 0 ? text : text.substring(0, nl + 1);
        return Optional.of(first.stripLeading());
    }
}
