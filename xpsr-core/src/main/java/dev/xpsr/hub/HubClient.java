package dev.xpsr.hub;

import dev.xpsr.hub.HubErrors.Target;
import dev.xpsr.hub.HubException.Kind;
import dev.xpsr.net.RetryPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Downloads model files from the Hugging Face Hub into the shared cache ({@link HubCache}), reproducing
 * huggingface_hub 0.20's {@code hf_hub_download} and {@code snapshot_download}.
 *
 * <p><b>One file</b> ({@link #download}):
 * <ol>
 *   <li>{@code HEAD {endpoint}/{org}/{name}/resolve/{revision}/{path}} (relative redirects followed, the LFS
 *       redirect to the CDN not) gives the commit ({@code X-Repo-Commit}), the ETag and the size;</li>
 *   <li>{@code refs/{revision}} records the commit; if {@code snapshots/{commit}/{path}} exists, that is the
 *       answer; if the blob exists (the same content at another commit), it is linked;</li>
 *   <li>otherwise, holding {@code .locks/.../{etag}.lock}, the blob is downloaded from the redirect's target,
 *       resumable and verified, and the snapshot entry linked to it.</li>
 * </ol>
 *
 * <p><b>A snapshot</b> ({@link #snapshot}): {@code GET {endpoint}/api/models/{org}/{name}/revision/{revision}}
 * lists the files ({@link RepoInfo}); {@code refs/{revision}} records its {@code sha}; each selected file is
 * downloaded at that commit, so the snapshot is consistent even if the branch moves meanwhile.
 *
 * <p><b>Cache first.</b> huggingface_hub asks the hub on every call for a branch or tag (a HEAD per file, the
 * API for a snapshot) and uses the cache only when the hub cannot be reached. Here, by default, a file already
 * in the snapshot that {@code refs/{revision}} names is used without any request, as is a cached snapshot when
 * the selector names every file it needs; so a model runs with no network once fetched, and Python's cache of
 * a model since removed from the hub (such as {@code runwayml/stable-diffusion-v1-5}) keeps working.
 * {@link Builder#checkForUpdates(boolean)} restores huggingface_hub's behaviour, falling back to the cache when
 * the hub fails. A full commit hash as revision never needs the hub once cached.
 *
 * <p><b>Offline</b> ({@code HF_HUB_OFFLINE}): no request at all; what is not cached fails with
 * {@link Kind#NOT_CACHED}, naming the repository, revision, files and cache folder.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class HubClient {
    private static final String DEFAULT_REVISION = "main";
    /** Model listings are tens of KB; this only stops a runaway answer. */
    private static final int MAX_API_BYTES = 64 << 20;

    private final HubSettings settings;
    private final HubCache cache;
    private final HubHttp http;
    private final HubErrors errors;
    private final BlobDownload blobs;
    private final DownloadListener listener;
    private final boolean checkForUpdates;
    private final Duration metadataTimeout;

    private HubClient(Builder b) {
        this.settings = b.settings;
        this.cache = new HubCache(b.settings.cacheDir(), b.symlinks);
        this.listener = b.listener;
        this.http = new HubHttp(b.settings, b.retry, b.listener);
        this.errors = new HubErrors(b.settings, http);
        this.blobs = new BlobDownload(http, errors, b.listener,
                b.downloadTimeout != null ? b.downloadTimeout : b.settings.downloadTimeout());
        this.checkForUpdates = b.checkForUpdates;
        this.metadataTimeout = b.metadataTimeout != null ? b.metadataTimeout : b.settings.etagTimeout();
    }

    /** A client configured from this process's environment ({@link HubSettings#fromSystem()}). */
    public static HubClient fromSystem() {
        return builder(HubSettings.fromSystem()).build();
    }

    public static Builder builder(HubSettings settings) {
        return new Builder(settings);
    }

    public HubSettings settings() {
        return settings;
    }

    public HubCache cache() {
        return cache;
    }

    /** {@link #download(String, String, String)} at revision {@code main}. */
    public Path download(String repoId, String file) throws IOException {
        return download(repoId, DEFAULT_REVISION, file);
    }

    /**
     * One file of a repository, from the cache or downloaded into it.
     *
     * @param revision branch, tag or commit hash; null means {@code main}
     * @param file     path in the repository, {@code /}-separated ({@code unet/config.json})
     * @return the snapshot entry {@code snapshots/{commit}/{file}} (a symlink to the blob)
     * @throws HubException with a message naming the repository, revision and file
     * @throws IllegalArgumentException if the repo id, revision or path is malformed
     */
    public Path download(String repoId, String revision, String file) throws IOException {
        Target t = target(repoId, revision, file);
        Optional<Path> cached = cache.cachedFile(t.repo(), t.revision(), t.file());
        if (cached.isPresent() && cacheAnswers(t)) {
            return cached.get();
        }
        if (settings.offline()) {
            throw errors.notCached(t, List.of(t.file()));
        }
        FileMetadata meta;
        try {
            meta = metadata(t);
        } catch (HubException e) {
            if (cached.isPresent() && e.cacheMayServe()) {
                return cached.get();
            }
            throw e;
        }
        return install(t, meta);
    }

    /** {@link #snapshot(String, String, FileSelector)} with huggingface_hub's {@code allow_patterns}. */
    public Path snapshot(String repoId, String revision, List<String> patterns) throws IOException {
        return snapshot(repoId, revision, FileSelector.patterns(patterns));
    }

    /**
     * The selected files of a repository at one revision, from the cache or downloaded into it.
     *
     * @param revision branch, tag or commit hash; null means {@code main}
     * @return the snapshot folder {@code snapshots/{commit}}, laid out like the repository
     * @throws HubException if the repository lacks a file the selector needs, or a download fails
     */
    public Path snapshot(String repoId, String revision, FileSelector selector) throws IOException {
        Target t = target(repoId, revision, null);
        Optional<Path> cached = completeSnapshot(t, selector);
        if (cached.isPresent() && cacheAnswers(t)) {
            return cached.get();
        }
        if (settings.offline()) {
            return fromCache(t, selector, null);
        }
        RepoInfo info;
        try {
            info = fetchRepoInfo(t);
        } catch (HubException e) {
            if (e.cacheMayServe()) {
                return fromCache(t, selector, e);
            }
            throw e;
        }
        return fetchSnapshot(t, info, selector);
    }

    /**
     * The repository's commit and file list at a revision, always from the hub.
     *
     * @throws HubException of kind {@link Kind#NOT_CACHED} when offline, since the listing is not cached
     */
    public RepoInfo repoInfo(String repoId, String revision) throws IOException {
        Target t = target(repoId, revision, null);
        if (settings.offline()) {
            throw new HubException(Kind.NOT_CACHED, "HF_HUB_OFFLINE is set, so the file list of repository '"
                    + t.repo() + "' at revision '" + t.revision() + "' cannot be fetched.");
        }
        return fetchRepoInfo(t);
    }

    /** Whether a cached copy is the answer without asking the hub (see the class comment). */
    private boolean cacheAnswers(Target t) {
        return settings.offline() || !checkForUpdates || HubCache.isCommitHash(t.revision());
    }

    private FileMetadata metadata(Target t) throws IOException {
        URI url = HubUrls.resolve(settings.endpoint(), t.repo(), t.revision(), t.file());
        try (HubHttp.Response r = http.head(url, metadataTimeout)) {
            if (r.status() >= 400) {
                rememberMissing(r, t);
                throw errors.forResponse(r, t);
            }
            return checked(FileMetadata.of(r), t);
        }
    }

    /** A 404 for a file at a known commit leaves a {@code .no_exist} marker, as huggingface_hub does. */
    private void rememberMissing(HubHttp.Response r, Target t) {
        String commit = r.header("X-Repo-Commit");
        if (!"EntryNotFound".equals(r.header("X-Error-Code")) || commit == null) {
            return;
        }
        try {
            cache.markMissing(t.repo(), commit, t.file());
            cache.writeRef(t.repo(), t.revision(), commit);
        } catch (IOException | IllegalArgumentException e) {
            // The marker only spares Python readers a request; the missing file is what to report.
        }
    }

    private FileMetadata checked(FileMetadata meta, Target t) throws HubException {
        String problem = meta.commit() == null ? "no X-Repo-Commit header"
                : meta.etag() == null || meta.etag().isEmpty() ? "no ETag header" : null;
        if (problem == null) {
            try {
                cache.pointer(t.repo(), meta.commit(), t.file());
                cache.blob(t.repo(), meta.etag());
                return meta;
            } catch (IllegalArgumentException e) {
                problem = e.getMessage();
            }
        }
        throw new HubException(Kind.PROTOCOL, "The answer for " + t.describe() + " from " + settings.endpoint()
                + " has " + problem + ": is HF_ENDPOINT a Hugging Face Hub, or is a proxy or firewall answering"
                + " instead?");
    }

    private Path install(Target t, FileMetadata meta) throws IOException {
        RepoId repo = t.repo();
        cache.writeRef(repo, t.revision(), meta.commit());
        Path pointer = cache.pointer(repo, meta.commit(), t.file());
        if (Files.isRegularFile(pointer)) {
            return pointer;
        }
        Path blob = cache.blob(repo, meta.etag());
        boolean fresh;
        try (BlobLock lock = BlobLock.acquire(cache.lockFile(repo, meta.etag()))) {
            if (Files.isRegularFile(pointer)) {
                return pointer; // another thread or process finished it while we waited
            }
            fresh = !Files.isRegularFile(blob);
            if (fresh) {
                blobs.run(t, meta, cache.incomplete(repo, meta.etag()), blob);
            }
            cache.link(blob, pointer, fresh);
        }
        if (fresh) {
            listener.fileFinished(t.file(), pointer);
        }
        return pointer;
    }

    private RepoInfo fetchRepoInfo(Target t) throws IOException {
        URI url = HubUrls.modelInfo(settings.endpoint(), t.repo(), t.revision());
        try (HubHttp.Response r = http.get(url, 0, metadataTimeout)) {
            if (r.status() != 200) {
                throw errors.forResponse(r, t);
            }
            RepoInfo info = RepoInfo.parse(readBody(r, url), url.toString());
            try {
                cache.snapshot(t.repo(), info.sha());
            } catch (IllegalArgumentException e) {
                throw new HubException(Kind.PROTOCOL, url + " gives an unusable sha: " + e.getMessage());
            }
            return info;
        }
    }

    private static String readBody(HubHttp.Response r, URI url) throws HubException {
        try (InputStream in = r.body()) {
            byte[] bytes = in.readNBytes(MAX_API_BYTES + 1);
            if (bytes.length > MAX_API_BYTES) {
                throw new HubException(Kind.PROTOCOL, url + " answered more than " + MAX_API_BYTES + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(Kind.NETWORK, -1, "Reading " + url + " failed: " + e, e);
        }
    }

    private Path fetchSnapshot(Target t, RepoInfo info, FileSelector selector) throws IOException {
        List<String> missing = selector.missing(info.files());
        if (!missing.isEmpty()) {
            throw errors.filesMissing(t, missing);
        }
        cache.writeRef(t.repo(), t.revision(), info.sha());
        for (String file : selector.select(info.files())) {
            download(t.repo().id(), info.sha(), file);
        }
        Path dir = cache.snapshot(t.repo(), info.sha());
        Files.createDirectories(dir);
        return dir;
    }

    /** The cached snapshot, if the selector can tell it lacks nothing. */
    private Optional<Path> completeSnapshot(Target t, FileSelector selector) throws IOException {
        Optional<String> commit = cache.commitFor(t.repo(), t.revision());
        if (commit.isEmpty() || !selector.namesEveryFile()) {
            return Optional.empty();
        }
        List<String> local = cache.snapshotFiles(t.repo(), commit.get());
        return selector.missing(local).isEmpty() ? Optional.of(cache.snapshot(t.repo(), commit.get()))
                : Optional.empty();
    }

    /**
     * The snapshot as cached, when the hub may not or cannot be asked; like huggingface_hub, the folder is
     * returned if it exists, but here only if nothing the selector names is missing from it.
     */
    private Path fromCache(Target t, FileSelector selector, HubException cause) throws IOException {
        Optional<String> commit = cache.commitFor(t.repo(), t.revision());
        Path dir = commit.map(c -> cache.snapshot(t.repo(), c)).orElse(null);
        List<String> local = commit.isPresent() ? cache.snapshotFiles(t.repo(), commit.get()) : List.of();
        List<String> missing = selector.missing(local);
        if (dir != null && Files.isDirectory(dir) && missing.isEmpty()) {
            return dir;
        }
        if (cause != null) {
            throw cause;
        }
        throw errors.notCached(t, missing.isEmpty() ? List.of(selector.toString()) : missing);
    }

    private static Target target(String repoId, String revision, String file) {
        RepoId repo = RepoId.parse(repoId);
        String rev = revision == null || revision.isEmpty() ? DEFAULT_REVISION : revision;
        try {
            HubCache.checkRepoPath(rev);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid revision '" + rev + "'");
        }
        return new Target(repo, rev, file == null ? null : HubCache.checkRepoPath(file));
    }

    /** Options beyond the environment's. */
    public static final class Builder {
        private final HubSettings settings;
        private DownloadListener listener = DownloadListener.NONE;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private boolean checkForUpdates;
        private Duration metadataTimeout;
        private Duration downloadTimeout;
        private boolean symlinks = true;

        private Builder(HubSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** Receives download progress (default: none). */
        public Builder listener(DownloadListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Retries of transient failures (default {@link RetryPolicy#DEFAULT}, {@link RetryPolicy#NONE} for none). */
        public Builder retryPolicy(RetryPolicy retry) {
            this.retry = Objects.requireNonNull(retry, "retry");
            return this;
        }

        /**
         * Ask the hub which commit a branch or tag points to even when the cache has the files, as
         * huggingface_hub does (default false: the cache answers without a request).
         */
        public Builder checkForUpdates(boolean check) {
            this.checkForUpdates = check;
            return this;
        }

        /** Timeout of the metadata requests (default {@code HF_HUB_ETAG_TIMEOUT}, 10 s). */
        public Builder metadataTimeout(Duration timeout) {
            this.metadataTimeout = positive(timeout);
            return this;
        }

        /** Connect timeout and longest wait for each read of a download (default {@code HF_HUB_DOWNLOAD_TIMEOUT}, 10 s). */
        public Builder downloadTimeout(Duration timeout) {
            this.downloadTimeout = positive(timeout);
            return this;
        }

        /** false imitates a file system without symlinks (tests of the fallback). */
        Builder symlinks(boolean symlinks) {
            this.symlinks = symlinks;
            return this;
        }

        public HubClient build() {
            return new HubClient(this);
        }

        private static Duration positive(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, not " + d);
            }
            return d;
        }
    }
}
