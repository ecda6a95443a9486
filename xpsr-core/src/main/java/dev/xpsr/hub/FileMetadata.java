package dev.xpsr.hub;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * What a {@code HEAD} on a file's resolve URL says about it (huggingface_hub's {@code HfFileMetadata}):
 *
 * <ul>
 *   <li>{@code commit}: {@code X-Repo-Commit}, the commit the revision resolved to;</li>
 *   <li>{@code etag}: {@code X-Linked-Etag} (an LFS file's sha256, sent on the redirect to the CDN), else
 *       {@code ETag} (a git blob sha1), normalised as {@code _normalize_etag} does;</li>
 *   <li>{@code size}: {@code X-Linked-Size}, else {@code Content-Length}; -1 when neither is a number;</li>
 *   <li>{@code location}: where to download from: the redirect's target if the answer is one, else the URL
 *       that answered.</li>
 * </ul>
 */
record FileMetadata(String commit, String etag, long size, URI location) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** Reads the headers of a successful (2xx or 3xx) HEAD answer; null fields when headers are absent. */
    static FileMetadata of(HubHttp.Response head) throws HubException {
        String etag = head.header("X-Linked-Etag");
        String size = head.header("X-Linked-Size");
        URI location = head.location();
        return new FileMetadata(head.header("X-Repo-Commit"),
                normalizeEtag(etag != null ? etag : head.header("ETag")),
                parseSize(size != null ? size : head.header("Content-Length")),
                location != null ? location : head.url());
    }

    /** Whether the ETag is an LFS sha256 of the content, which the download can be checked against. */
    boolean isSha256() {
        return SHA256.matcher(etag).matches();
    }

    /**
     * {@code etag.lstrip("W/").strip('"')}: Python's {@code lstrip} removes any leading run of {@code W} and
     * {@code /} characters, not the prefix; reproduced so blob names agree.
     */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        int start = 0;
        while (start < etag.length() && (etag.charAt(start) == 'W' || etag.charAt(start) == '/')) {
            start++;
        }
        int end = etag.length();
        while (start < end && etag.charAt(start) == '"') {
            start++;
        }
        while (end > start && etag.charAt(end - 1) == '"') {
            end--;
        }
        return etag.substring(start, end);
    }

    private static long parseSize(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
