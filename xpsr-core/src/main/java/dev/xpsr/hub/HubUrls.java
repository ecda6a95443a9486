package dev.xpsr.hub;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The hub's URLs, spelled as huggingface_hub 0.20 spells them:
 *
 * <pre>
 * {endpoint}/{org}/{name}/resolve/{quote(revision, safe="")}/{quote(path)}      (hf_hub_url)
 * {endpoint}/api/models/{org}/{name}/revision/{quote(revision, safe="")}        (model_info)
 * </pre>
 *
 * <p>{@code quote} is Python's {@code urllib.parse.quote}: letters, digits and {@code _.-~} are kept, as are the
 * {@code safe} characters ({@code /} by default), everything else is percent-encoded as UTF-8. The revision is
 * encoded whole, so {@code refs/pr/1} becomes {@code refs%2Fpr%2F1}.
 */
final class HubUrls {
    private static final String ALWAYS_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";

    private HubUrls() {
    }

    static URI resolve(String endpoint, RepoId repo, String revision, String file) {
        return URI.create(endpoint + "/" + repo.id() + "/resolve/" + quote(revision, "") + "/" + quote(file, "/"));
    }

    static URI modelInfo(String endpoint, RepoId repo, String revision) {
        return URI.create(endpoint + "/api/models/" + repo.id() + "/revision/" + quote(revision, ""));
    }

    /** Python's {@code urllib.parse.quote(text, safe)}. */
    static String quote(String text, String safe) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (ALWAYS_SAFE.indexOf(c) >= 0 || safe.indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
