package dev.xpsr.hub;

import dev.xpsr.hub.HubException.Kind;
import dev.xpsr.net.RetryPolicy;

import java.nio.file.Path;
import java.util.List;

/**
 * Turns the hub's error answers into {@link HubException}s, as huggingface_hub 0.20's
 * {@code hf_raise_for_status} classifies them: {@code X-Error-Code} first ({@code RevisionNotFound},
 * {@code EntryNotFound}, {@code GatedRepo}, {@code RepoNotFound}), then the status (401 is what the hub
 * answers for a missing repository as well as for a private one without a valid token, so both are reported
 * together). Messages say what to do and never contain the token, only where it came from.
 */
final class HubErrors {
    private final HubSettings settings;
    private final HubHttp http;

    HubErrors(HubSettings settings, HubHttp http) {
        this.settings = settings;
        this.http = http;
    }

    /** What a request was about: {@code file} is null for repository-level requests. */
    record Target(RepoId repo, String revision, String file) {
        String describe() {
            return (file == null ? "" : "file '" + file + "' of ") + "repository '" + repo + "' at revision '"
                    + revision + "'";
        }
    }

    /** The exception for a non-2xx answer. */
    HubException forResponse(HubHttp.Response r, Target t) {
        if (!http.isHub(r.url())) {
            return fromStorage(r, t);
        }
        int status = r.status();
        String code = r.header("X-Error-Code");
        String detail = serverMessage(r);
        if ("RevisionNotFound".equals(code)) {
            return new HubException(Kind.REVISION_NOT_FOUND, status, "Revision '" + t.revision()
                    + "' does not exist in repository '" + t.repo() + "' on " + settings.endpoint() + " (HTTP "
                    + status + ")." + detail, null);
        }
        if ("EntryNotFound".equals(code) || (status == 404 && code == null && t.file() != null)) {
            return fileNotFound(t, status, detail);
        }
        if ("GatedRepo".equals(code)) {
            return new HubException(Kind.GATED, status, "Repository '" + t.repo() + "' is gated (HTTP " + status
                    + "): accept its conditions at " + settings.endpoint() + "/" + t.repo() + " while logged in, "
                    + "then " + tokenAdvice() + detail, null);
        }
        if ("RepoNotFound".equals(code) || status == 401 || status == 404) {
            return new HubException(Kind.REPO_NOT_FOUND, status, "Repository '" + t.repo() + "' was not found on "
                    + settings.endpoint() + " (HTTP " + status + "). Check the id; if the repository is private "
                    + "or gated, " + tokenAdvice() + detail, null);
        }
        if (status == 403) {
            return new HubException(Kind.FORBIDDEN, status, "Access to " + t.describe() + " is forbidden (HTTP 403): "
                    + tokenAdvice() + detail, null);
        }
        return new HubException(Kind.SERVER, status, settings.endpoint() + " answered HTTP " + status + " for "
                + t.describe() + (RetryPolicy.isRetryable(status) ? " even after retrying: try again later"
                : "") + " (" + HubHttp.describe(r.url()) + ")." + detail, null);
    }

    /**
     * An error from the storage a download was redirected to (the CDN): its statuses say nothing about the
     * repository or the token, which it never receives.
     */
    private HubException fromStorage(HubHttp.Response r, Target t) {
        return new HubException(Kind.SERVER, r.status(), "The download server " + r.url().getHost()
                + " answered HTTP " + r.status() + " for " + t.describe() + " (" + HubHttp.describe(r.url())
                + "); try again later.", null);
    }

    /** Files a selection needs that the repository does not list. */
    HubException filesMissing(Target t, List<String> missing) {
        return new HubException(Kind.FILE_NOT_FOUND, -1, "Repository '" + t.repo() + "' at revision '"
                + t.revision() + "' lacks " + String.join(", ", missing) + ".", null);
    }

    /** Files needed while offline ({@code HF_HUB_OFFLINE}) that the cache lacks. */
    HubException notCached(Target t, List<String> files) {
        return new HubException(Kind.NOT_CACHED, -1, String.join(", ", files) + " of repository '" + t.repo()
                + "' at revision '" + t.revision() + "' " + (files.size() == 1 ? "is" : "are")
                + " not in the Hugging Face cache " + settings.cacheDir() + " (folder " + t.repo().folderName()
                + "), and HF_HUB_OFFLINE is set, so the hub is not contacted. Unset HF_HUB_OFFLINE to download,"
                + " or point HF_HUB_CACHE / HF_HOME at a cache that has the model.", null);
    }

    private HubException fileNotFound(Target t, int status, String detail) {
        return new HubException(Kind.FILE_NOT_FOUND, status, "File '" + t.file() + "' does not exist in "
                + "repository '" + t.repo() + "' at revision '" + t.revision() + "' (HTTP " + status + ")."
                + detail, null);
    }

    private String tokenAdvice() {
        Path tokenFile = settings.tokenFile();
        return settings.tokenSource()
                .map(source -> "a token was sent (from " + source + ") but it does not grant access: check that "
                        + "it is still valid and that your account may read the repository.")
                .orElse("set HF_TOKEN to an access token from " + settings.endpoint() + "/settings/tokens (or run"
                        + " `huggingface-cli login`, which saves it to " + tokenFile + ").");
    }

    /** The hub's own explanation, when it sends one in {@code X-Error-Message}. */
    private static String serverMessage(HubHttp.Response r) {
        String message = r.header("X-Error-Message");
        return message == null || message.isBlank() ? "" : " The hub says: " + message;
    }
}
