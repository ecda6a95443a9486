package dev.xpsr.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where and how to reach the Hugging Face Hub, read from environment variables the way huggingface_hub 0.20
 * ({@code constants.py}, {@code utils/_token.py}) reads them, so a Java and a Python process share one cache:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: the hub, default {@code https://huggingface.co};</li>
 *   <li>{@code HF_HOME}: default {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}
 *       ({@code ~} expanded, as Python does for this variable only);</li>
 *   <li>cache folder: {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else
 *       {@code $HF_HOME/hub};</li>
 *   <li>{@code HF_HUB_OFFLINE} (else {@code TRANSFORMERS_OFFLINE}): {@code 1/ON/YES/TRUE} never touches the
 *       network;</li>
 *   <li>token: {@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}, else the file {@code HF_TOKEN_PATH}
 *       (honoured from huggingface_hub 0.23; 0.20 always reads {@code $HF_HOME/token}, the default here), with
 *       line breaks and surrounding blanks removed; none when {@code HF_HUB_DISABLE_IMPLICIT_TOKEN} is true;</li>
 *   <li>{@code HF_HUB_ETAG_TIMEOUT}, {@code HF_HUB_DOWNLOAD_TIMEOUT}: seconds, default 10 each (metadata
 *       requests and per-read download timeout).</li>
 * </ul>
 *
 * <p>The token is never part of {@link #toString()}; only its source is.
 */
public final class HubSettings {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    private final String endpoint;
    private final Path cacheDir;
    private final Path tokenFile;
    private final boolean offline;
    private final String token;
    private final String tokenSource;
    private final Duration etagTimeout;
    private final Duration downloadTimeout;

    private HubSettings(String endpoint, Path cacheDir, Path tokenFile, boolean offline, String token,
            String tokenSource, Duration etagTimeout, Duration downloadTimeout) {
        this.endpoint = endpoint;
        this.cacheDir = cacheDir;
        this.tokenFile = tokenFile;
        this.offline = offline;
        this.token = token;
        this.tokenSource = tokenSource;
        this.etagTimeout = etagTimeout;
        this.downloadTimeout = downloadTimeout;
    }

    /** Settings from this process's environment and home folder. */
    public static HubSettings fromSystem() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * Settings from the given variables (tests pass a map rather than mutate the process environment).
     *
     * @param userHome what {@code ~} stands for
     * @throws IllegalArgumentException if a timeout variable is not a whole number of seconds
     * @throws UncheckedIOException if the token file exists but cannot be read
     */
    public static HubSettings fromEnvironment(Map<String, String> env, Path userHome) {
        Path hfHome = hfHome(env, userHome);
        Path tokenFile = firstSet(env, "HF_TOKEN_PATH").map(Path::of).orElse(hfHome.resolve("token"));
        Path cache = firstSet(env, "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE").map(Path::of)
                .orElse(hfHome.resolve("hub"));
        boolean offline = isTrue(firstSet(env, "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE").orElse(null));
        String endpoint = stripTrailingSlashes(firstSet(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT));
        Token token = isTrue(env.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")) ? Token.NONE : token(env, tokenFile);
        return new HubSettings(endpoint, cache, tokenFile, offline, token.value(), token.source(),
                seconds(env, "HF_HUB_ETAG_TIMEOUT"), seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"));
    }

    /** The hub's base URL, without a trailing slash. */
    public String endpoint() {
        return endpoint;
    }

    /** The hub cache folder (holding {@code models--org--name} folders). */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The file {@code huggingface-cli login} writes the token to. */
    public Path tokenFile() {
        return tokenFile;
    }

    public boolean offline() {
        return offline;
    }

    /** The access token sent as {@code Authorization: Bearer} to the endpoint's host, if any. */
    public Optional<String> token() {
        return Optional.ofNullable(token);
    }

    /** Where the token came from ({@code HF_TOKEN}, {@code HUGGING_FACE_HUB_TOKEN} or the file), if any. */
    public Optional<String> tokenSource() {
        return Optional.ofNullable(tokenSource);
    }

    public Duration etagTimeout() {
        return etagTimeout;
    }

    public Duration downloadTimeout() {
        return downloadTimeout;
    }

    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", offline=" + offline
                + ", token=" + (token == null ? "none" : "from " + tokenSource) + "]";
    }

    private static Path hfHome(Map<String, String> env, Path userHome) {
        Optional<String> home = firstSet(env, "HF_HOME");
        if (home.isPresent()) {
            return expandUser(home.get(), userHome);
        }
        return firstSet(env, "XDG_CACHE_HOME").map(Path::of).orElse(userHome.resolve(".cache"))
                .resolve("huggingface");
    }

    private static Path expandUser(String path, Path userHome) {
        if (path.equals("~")) {
            return userHome;
        }
        return path.startsWith("~/") ? userHome.resolve(path.substring(2)) : Path.of(path);
    }

    /** A token and where it came from; a record of its own so the pair cannot be mixed up. */
    private record Token(String value, String source) {
        static final Token NONE = new Token(null, null);

        @Override
        public String toString() {
            return "Token[from " + source + "]";
        }
    }

    private static Token token(Map<String, String> env, Path tokenFile) {
        for (String name : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            String value = clean(env.get(name));
            if (value != null) {
                return new Token(value, name);
            }
        }
        String fromFile = clean(readTokenFile(tokenFile));
        return fromFile == null ? Token.NONE : new Token(fromFile, "token file " + tokenFile);
    }

    private static String readTokenFile(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // The message names the file only; the content (a secret) is never part of it.
            throw new UncheckedIOException("cannot read the Hugging Face token file " + file, e);
        }
    }

    /** As huggingface_hub's {@code _clean_token}: line breaks dropped, blanks trimmed, empty means none. */
    private static String clean(String token) {
        if (token == null) {
            return null;
        }
        String cleaned = token.replace("\r", "").replace("\n", "").strip();
        return cleaned.isEmpty() ? null : cleaned;
    }

    private static Duration seconds(Map<String, String> env, String name) {
        Optional<String> value = firstSet(env, name);
        if (value.isEmpty()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            long seconds = Long.parseLong(value.get().strip());
            if (seconds >= 0) {
                // Python treats 0 as unset (`_as_int(...) or DEFAULT`).
                return seconds == 0 ? DEFAULT_TIMEOUT : Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // reported below, with the variable's name
        }
        throw new IllegalArgumentException(name + " must be a whole number of seconds, not '" + value.get() + "'");
    }

    /** The first variable that is set and not empty (Python's {@code getenv(a) or getenv(b)}). */
    private static Optional<String> firstSet(Map<String, String> env, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isEmpty()) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE_VALUES.contains(value.toUpperCase(Locale.ROOT));
    }

    private static String stripTrailingSlashes(String url) {
        String s = url;
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
