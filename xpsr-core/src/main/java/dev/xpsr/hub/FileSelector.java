package dev.xpsr.hub;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which files of a repository {@link HubClient#snapshot} fetches.
 *
 * <p>{@link #select} picks among the files the hub lists. {@link #missing} names what the selector needs but a
 * list lacks: against the hub's list it turns a later load failure into an early, named one; against a cached
 * snapshot's files it says whether the cache suffices. When {@link #namesEveryFile()} holds, a cached snapshot
 * that misses nothing is complete, and the hub is not asked at all.
 */
public interface FileSelector {

    /** The files to download, among the repository's. */
    List<String> select(List<String> repoFiles);

    /** What this selector needs that {@code files} lacks (empty when nothing is known to be missing). */
    List<String> missing(Collection<String> files);

    /** Whether {@link #missing} names every file {@link #select} would pick (no wildcards). */
    boolean namesEveryFile();

    /**
     * huggingface_hub's {@code allow_patterns}, with {@code fnmatch} meaning ({@link GlobPattern}): files
     * matching any pattern; {@code null} selects every file and an empty list none, as in Python. A pattern
     * without wildcards names a file the repository must have.
     */
    static FileSelector patterns(List<String> patterns) {
        List<GlobPattern> globs = patterns == null ? null
                : patterns.stream().map(GlobPattern::of).collect(Collectors.toUnmodifiableList());
        return new FileSelector() {
            @Override
            public List<String> select(List<String> repoFiles) {
                return repoFiles.stream().filter(f -> globs == null || globs.stream().anyMatch(g -> g.matches(f)))
                        .collect(Collectors.toUnmodifiableList());
            }

            @Override
            public List<String> missing(Collection<String> files) {
                Set<String> present = new HashSet<>(files);
                return globs == null ? List.of() : globs.stream().filter(GlobPattern::isLiteral)
                        .map(GlobPattern::glob).filter(g -> !present.contains(g))
                        .collect(Collectors.toUnmodifiableList());
            }

            @Override
            public boolean namesEveryFile() {
                return globs != null && globs.stream().allMatch(GlobPattern::isLiteral);
            }

            @Override
            public String toString() {
                return globs == null ? "all files" : "files matching " + globs;
            }
        };
    }
}
