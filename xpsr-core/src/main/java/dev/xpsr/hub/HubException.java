package dev.xpsr.hub;

import java.io.IOException;

/**
 * A failure to get a file from the Hugging Face Hub or its cache, with a message written for the person at the
 * command line: it names the repository, revision and file concerned and says what to do. Messages never
 * contain an access token.
 *
 * <p>The kinds follow huggingface_hub's error classes ({@code RepositoryNotFoundError}, {@code GatedRepoError},
 * {@code RevisionNotFoundError}, {@code EntryNotFoundError}, {@code LocalEntryNotFoundError}, ...), plus the
 * integrity and disk-space checks this client adds.
 */
public final class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** HTTP 401 or {@code X-Error-Code: RepoNotFound}: missing, or private without a valid token. */
        REPO_NOT_FOUND,
        /** {@code X-Error-Code: GatedRepo}: the repository's conditions must be accepted, with a token. */
        GATED,
        /** HTTP 403: the token does not grant access. */
        FORBIDDEN,
        /** {@code X-Error-Code: RevisionNotFound}. */
        REVISION_NOT_FOUND,
        /** HTTP 404 for a file, or files a selection requires that the repository lacks. */
        FILE_NOT_FOUND,
        /** Offline (or the hub unreachable) and the file is not in the cache. */
        NOT_CACHED,
        /** Connection failures or timeouts, after the retries. */
        NETWORK,
        /** HTTP 5xx / 429 after the retries, or another unexpected status. */
        SERVER,
        /** The answer is not what the hub sends (no commit or ETag header, bad JSON). */
        PROTOCOL,
        /** The downloaded size or sha256 differs from what the hub announced. */
        INTEGRITY,
        /** Not enough free space for the download. */
        DISK_SPACE
    }

    private final Kind kind;
    private final int status;

    public HubException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public HubException(Kind kind, String message) {
        this(kind, -1, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status behind the failure, or -1. */
    public int status() {
        return status;
    }

    /**
     * Whether a cached copy may stand in: huggingface_hub falls back to the cache on any failure to reach or
     * use the hub, but not when the hub positively says the revision or the file does not exist.
     */
    public boolean cacheMayServe() {
        return kind != Kind.REVISION_NOT_FOUND && kind != Kind.FILE_NOT_FOUND && kind != Kind.INTEGRITY
                && kind != Kind.DISK_SPACE;
    }
}
