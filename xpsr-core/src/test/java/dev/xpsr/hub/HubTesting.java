package dev.xpsr.hub;

import dev.xpsr.net.RetryPolicy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** Shared set-up: clients pointed at a {@link FakeHub}, with fast retries and short timeouts. */
final class HubTesting {
    static final String REPO = "org/model";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String NEW_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    static final RetryPolicy FAST_RETRY = new RetryPolicy(4, Duration.ofMillis(1), Duration.ofMillis(4),
            Duration.ofSeconds(10));

    private HubTesting() {
    }

    /** Environment for a client of {@code hub} whose HF_HOME is {@code dir/hf}. */
    static Map<String, String> env(FakeHub hub, Path dir, String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.endpoint());
        env.put("HF_HOME", dir.resolve("hf").toString());
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    static HubClient.Builder builder(FakeHub hub, Path dir, String... extra) {
        return HubClient.builder(HubSettings.fromEnvironment(env(hub, dir, extra), dir.resolve("home")))
                .retryPolicy(FAST_RETRY).metadataTimeout(Duration.ofSeconds(5)).downloadTimeout(Duration.ofSeconds(5));
    }

    static HubClient client(FakeHub hub, Path dir, String... extra) {
        return builder(hub, dir, extra).build();
    }

    /** Deterministic pseudo-random bytes standing in for a safetensors file. */
    static byte[] weights(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
