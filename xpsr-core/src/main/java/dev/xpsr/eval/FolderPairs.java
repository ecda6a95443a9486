package dev.xpsr.eval;

import dev.xpsr.io.ImageFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Image files of two or three folders matched by name: the path below the folder without its extension (the
 * stem), so {@code hr/0801.png} pairs with {@code sr/0801.jpg} and {@code hr/a/b.png} with {@code sr/a/b.png}.
 * Folders are searched recursively for the extensions of {@link ImageFiles#EXTENSIONS}; hidden files
 * (such as the temporary files of atomic writes) are ignored.
 *
 * @param matches   names found in both the HR and the SR folder, sorted by name
 * @param onlyHr    HR files without an SR counterpart
 * @param onlySr    SR files without an HR counterpart
 * @param ambiguous names that stand for more than one file in one folder (e.g. {@code a.png} and {@code a.jpg});
 *                  each such name is left out of {@code matches}
 */
public record FolderPairs(List<Match> matches, List<Path> onlyHr, List<Path> onlySr, List<String> ambiguous) {
    /**
     * One name found in the HR and SR folders.
     *
     * @param lr the LR file of the same name, or null when there is no LR folder or no such file there
     */
    public record Match(String name, Path hr, Path sr, Path lr) {
    }

    /**
     * Matches the files of {@code hrDir} and {@code srDir} (and, when not null, {@code lrDir}, whose files are
     * attached to the matches they name and otherwise ignored).
     *
     * @throws NoSuchFileException   when a folder does not exist
     * @throws NotDirectoryException when a path is not a folder
     */
    public static FolderPairs match(Path hrDir, Path srDir, Path lrDir) throws IOException {
        List<String> ambiguous = new ArrayList<>();
        Map<String, Path> hr = byName(hrDir, ambiguous);
        Map<String, Path> sr = byName(srDir, ambiguous);
        Map<String, Path> lr = lrDir == null ? Map.of() : byName(lrDir, ambiguous);
        List<Match> matches = new ArrayList<>();
        List<Path> onlyHr = new ArrayList<>();
        for (Map.Entry<String, Path> e : hr.entrySet()) {
            Path s = sr.get(e.getKey());
            if (s == null) {
                onlyHr.add(e.getValue());
            } else {
                matches.add(new Match(e.getKey(), e.getValue(), s, lr.get(e.getKey())));
            }
        }
        List<Path> onlySr = sr.entrySet().stream().filter(e -> !hr.containsKey(e.getKey())).map(Map.Entry::getValue)
                .toList();
        return new FolderPairs(List.copyOf(matches), List.copyOf(onlyHr), onlySr, List.copyOf(ambiguous));
    }

    /**
     * The image files of {@code dir} by name; a name that stands for several files is dropped and described in
     * {@code ambiguous} with its files.
     */
    static Map<String, Path> byName(Path dir, List<String> ambiguous) throws IOException {
        if (!Files.exists(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such folder");
        }
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir.toString());
        }
        Map<String, List<Path>> all = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(FolderPairs::isImageFile).sorted().toList()) {
                all.computeIfAbsent(stem(dir.relativize(p)), k -> new ArrayList<>()).add(p);
            }
        }
        Map<String, Path> out = new TreeMap<>();
        all.forEach((name, files) -> {
            if (files.size() == 1) {
                out.put(name, files.get(0));
            } else {
                ambiguous.add(name + ": " + files.size() + " files of that name (" + files.stream()
                        .map(Path::toString).collect(Collectors.joining(", ")) + ")");
            }
        });
        return out;
    }

    /** Whether {@code p} looks like an image this project reads: a visible regular file with an image extension. */
    public static boolean isImageFile(Path p) {
        return ImageFiles.hasImageName(p) && Files.isRegularFile(p);
    }

    /** The relative path with '/' separators and without the extension of its last part. */
    static String stem(Path relative) {
        String s = relative.toString().replace('\\', '/');
        int dot = s.lastIndexOf('.');
        return dot > s.lastIndexOf('/') + 1 ? s.substring(0, dot) : s;
    }

    /** Whether every file was matched. */
    public boolean complete() {
        return onlyHr.isEmpty() && onlySr.isEmpty() && ambiguous.isEmpty();
    }
}
