package dev.xpsr.prompt;

import dev.xpsr.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Prompt files in XPSR's dataset layout: {@code <root>/highlevel_prompt/<name>.txt},
 * {@code <root>/lowlevel_prompt_q/<name>.txt} (and the {@code _GT} folders), where {@code <name>} is the image's
 * file name without its extension ({@code test.py} swaps {@code /LR/} for the prompt folder and {@code .png} for
 * {@code .txt}); in a training set, whose images lie in sub-folders, the path below {@code LR/} or {@code HR/}
 * without the extension ({@code sub/photo}), so the prompt folders mirror the image tree.
 *
 * <p>Reading reproduces {@code test.py}: the first line, left-stripped ({@code fp.readlines()[0].lstrip()}), an
 * empty file giving "". {@link #readExact} keeps the line break Python's {@code readlines} leaves on a first line
 * that has one, because {@code test.py} then appends {@code " " + added_prompt} to exactly that string;
 * {@link #read} drops it. Files are UTF-8; a file that is not fails loudly rather than becoming an empty prompt.
 *
 * <p>Writing stores one line without a line break (what XPSR's caption scripts write) atomically: a temporary
 * file in the same folder, forced to disk, renamed over the target, so a crash leaves the old file or the new one.
 */
public final class PromptStore {
    private final Path root;

    /** A store whose prompt folders are (or will be) directly under {@code root}. */
    public PromptStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The prompt name of an image file: its file name without the extension. */
    public static String nameOf(Path image) {
        String file = image.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    /**
     * Where the {@code kind} prompt of image {@code name} lives; {@code name} may hold '/'-separated sub-folders,
     * none of them empty, {@code .} or {@code ..}.
     */
    public Path file(PromptKind kind, String name) {
        if (name.contains("\\") || Arrays.stream(name.split("/", -1))
                .anyMatch(part -> part.isEmpty() || part.equals(".") || part.equals(".."))) {
            throw new IllegalArgumentException("not a prompt name: '" + name + "'");
        }
        return root.resolve(kind.folder()).resolve(name + ".txt");
    }

    /** Whether the {@code kind} prompt of {@code name} exists. */
    public boolean has(PromptKind kind, String name) {
        return Files.isRegularFile(file(kind, name));
    }

    /**
     * XPSR's reading, line break included: {@code readlines()[0].lstrip()}; empty when there is no file.
     *
     * @throws IOException when the file exists but cannot be read or is not UTF-8
     */
    public Optional<String> readExact(PromptKind kind, String name) throws IOException {
        Path file = file(kind, name);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(PythonText.lstrip(PythonText.firstLine(decode(file))));
    }

    /** {@link #readExact} without the line break a first line may end with. */
    public Optional<String> read(PromptKind kind, String name) throws IOException {
        return readExact(kind, name).map(s -> s.endsWith("\n") ? s.substring(0, s.length() - 1) : s);
    }

    /**
     * {@link #read}'s reading of one prompt file anywhere (a training set keeps prompts in sub-folders mirroring
     * its {@code HR/} tree, which a store's flat names do not reach): the first line, left-stripped, without its
     * line break; empty when there is no file.
     *
     * @throws IOException when the file exists but cannot be read or is not UTF-8
     */
    public static Optional<String> readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String s = PythonText.lstrip(PythonText.firstLine(decode(file)));
        return Optional.of(s.endsWith("\n") ? s.substring(0, s.length() - 1) : s);
    }

    /**
     * Writes the {@code kind} prompt of {@code name} atomically, creating the folder if needed.
     *
     * @throws IllegalArgumentException when {@code text} holds a line break (only the first line would be read)
     */
    public void write(PromptKind kind, String name, String text) throws IOException {
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a prompt is one line; the text for " + name + " has a line break");
        }
        Path file = file(kind, name);
        Files.createDirectories(file.getParent());
        AtomicFiles.writeString(file, text);
    }

    private static String decode(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not UTF-8 text", e);
        }
    }
}
