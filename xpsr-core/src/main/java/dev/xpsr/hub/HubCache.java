package dev.xpsr.hub;

import dev.xpsr.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Hugging Face hub cache, laid out exactly as huggingface_hub (0.20's {@code file_download.py}) lays it out,
 * so caches are shared with Python:
 *
 * <pre>
 * {cache}/models--{org}--{name}/
 *     blobs/{etag}                     file contents, named by ETag (git sha1, or sha256 for LFS files)
 *     blobs/{etag}.incomplete          a download in progress (appended to when resumed)
 *     refs/{revision}                  the commit hash a branch or tag pointed to (no newline)
 *     snapshots/{commit}/{path}        relative symlink to ../../blobs/{etag} (one more ../ per folder level)
 *     .no_exist/{commit}/{path}        empty marker: the hub said the file does not exist at that commit
 * {cache}/.locks/models--{org}--{name}/{etag}.lock
 * </pre>
 *
 * <p>Where symlinks cannot be made, the snapshot entry is the file itself: a new blob is moved there and an
 * existing blob copied, as {@code _create_symlink} does.
 */
public final class HubCache {
    private static final Pattern COMMIT_HASH = Pattern.compile("[0-9a-f]{40}");
    /** ETags and commit ids become file names: nothing that could climb out of the cache. */
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private final Path root;
    private final boolean symlinks;

    public HubCache(Path root) {
        this(root, true);
    }

    /** {@code symlinks = false} imitates a file system without symlinks (tests of the fallback). */
    HubCache(Path root, boolean symlinks) {
        this.root = root;
        this.symlinks = symlinks;
    }

    public Path root() {
        return root;
    }

    /** Whether {@code revision} is a full commit hash (huggingface_hub's {@code REGEX_COMMIT_HASH}). */
    public static boolean isCommitHash(String revision) {
        return COMMIT_HASH.matcher(revision).matches();
    }

    public Path repoFolder(RepoId repo) {
        return root.resolve(repo.folderName());
    }

    public Path blob(RepoId repo, String etag) {
        return repoFolder(repo).resolve("blobs").resolve(safeName(etag, "ETag"));
    }

    public Path incomplete(RepoId repo, String etag) {
        return blob(repo, etag).resolveSibling(etag + ".incomplete");
    }

    public Path snapshot(RepoId repo, String commit) {
        return repoFolder(repo).resolve("snapshots").resolve(safeName(commit, "commit id"));
    }

    /** {@code snapshots/{commit}/{file}}, refusing repository paths that would leave the snapshot. */
    public Path pointer(RepoId repo, String commit, String file) {
        return snapshot(repo, commit).resolve(checkRepoPath(file));
    }

    public Path ref(RepoId repo, String revision) {
        return repoFolder(repo).resolve("refs").resolve(checkRepoPath(revision));
    }

    Path noExistMarker(RepoId repo, String commit, String file) {
        return repoFolder(repo).resolve(".no_exist").resolve(safeName(commit, "commit id"))
                .resolve(checkRepoPath(file));
    }

    Path lockFile(RepoId repo, String etag) {
        return root.resolve(".locks").resolve(repo.folderName()).resolve(safeName(etag, "ETag") + ".lock");
    }

    /** The commit a revision stands for: itself if a commit hash, else what {@code refs/} recorded. */
    public Optional<String> commitFor(RepoId repo, String revision) throws IOException {
        if (isCommitHash(revision)) {
            return Optional.of(revision);
        }
        Path ref = ref(repo, revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        // Python writes the hash without a newline; strip() also accepts a hand-edited file.
        String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        return SAFE_NAME.matcher(commit).matches() ? Optional.of(commit) : Optional.empty();
    }

    /** The cached file for a revision, without any network access ({@code try_to_load_from_cache}). */
    public Optional<Path> cachedFile(RepoId repo, String revision, String file) throws IOException {
        Optional<String> commit = commitFor(repo, revision);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path pointer = pointer(repo, commit.get(), file);
        return Files.isRegularFile(pointer) ? Optional.of(pointer) : Optional.empty();
    }

    /** The files of a snapshot, as repository paths ({@code unet/config.json}); broken links left out. */
    public List<String> snapshotFiles(RepoId repo, String commit) throws IOException {
        Path dir = snapshot(repo, commit);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace(dir.getFileSystem().getSeparator(), "/"))
                    .sorted().collect(Collectors.toList());
        }
    }

    /** Records that {@code revision} points at {@code commit}; nothing to do when it is the commit itself. */
    public void writeRef(RepoId repo, String revision, String commit) throws IOException {
        if (revision.equals(commit) || commitFor(repo, revision).filter(commit::equals).isPresent()) {
            // Rewriting an unchanged ref would fail needlessly on a read-only shared cache (huggingface_hub #1216).
            return;
        }
        Path ref = ref(repo, revision);
        Files.createDirectories(ref.getParent());
        // Written to a sibling with the usual permissions (not createTempFile's 0600), so a shared cache stays
        // readable, then renamed so a reader never sees half a hash.
        Path tmp = ref.resolveSibling("." + ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            AtomicFiles.move(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Notes that the hub has no {@code file} at {@code commit}, as huggingface_hub's {@code .no_exist}. */
    void markMissing(RepoId repo, String commit, String file) throws IOException {
        Path marker = noExistMarker(repo, commit, file);
        Files.createDirectories(marker.getParent());
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
    }

    /**
     * Makes {@code pointer} a relative symlink to {@code blob}, or, where symlinks fail, puts the content there:
     * a new blob is moved (nothing else refers to it yet, and copying would double the disk used), an existing
     * one copied.
     */
    public void link(Path blob, Path pointer, boolean newBlob) throws IOException {
        Files.createDirectories(pointer.getParent());
        Files.deleteIfExists(pointer);
        if (symlinks && trySymlink(blob, pointer)) {
            return;
        }
        if (newBlob) {
            AtomicFiles.move(blob, pointer);
        } else {
            Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                Files.copy(blob, tmp);
                AtomicFiles.move(tmp, pointer);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static boolean trySymlink(Path blob, Path pointer) throws IOException {
        Path target = pointer.toAbsolutePath().getParent().relativize(blob.toAbsolutePath());
        try {
            Files.createSymbolicLink(pointer, target);
            return true;
        } catch (FileAlreadyExistsException e) {
            // Another process linked it between the delete and here; fine if it points at the same blob.
            if (Files.isSameFile(pointer, blob)) {
                return true;
            }
            throw e;
        } catch (UnsupportedOperationException | FileSystemException | SecurityException e) {
            return false;
        }
    }

    /**
     * Checks a repository path ({@code unet/config.json}) or revision name ({@code refs/pr/1}): relative, with
     * no empty, {@code .} or {@code ..} segment, so it cannot name anything outside its folder.
     */
    static String checkRepoPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            throw new IllegalArgumentException("invalid repository path '" + path + "'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid repository path '" + path + "'");
            }
        }
        return path;
    }

    private static String safeName(String name, String what) {
        if (name == null || !SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("unusable " + what + " '" + name + "': expected letters, digits,"
                    + " '.', '_' and '-'");
        }
        return name;
    }
}
