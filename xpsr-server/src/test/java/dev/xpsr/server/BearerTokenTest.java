package dev.xpsr.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BearerTokenTest {
    static final String TOKEN = "s3cret-token-0123456789";

    @Test
    void acceptsTheTokenUnderTheBearerSchemeOnly() {
        BearerToken token = new BearerToken(TOKEN);
        assertThat(token.accepts("Bearer " + TOKEN)).isTrue();
        assertThat(token.accepts("bearer " + TOKEN)).as("the scheme is case-insensitive").isTrue();
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts("")).isFalse();
        assertThat(token.accepts("Bearer ")).isFalse();
        assertThat(token.accepts("Bearer " + TOKEN.substring(1))).isFalse();
        assertThat(token.accepts("Bearer " + TOKEN + "x")).isFalse();
        assertThat(token.accepts("Basic " + TOKEN)).isFalse();
        assertThat(token.accepts(TOKEN)).isFalse();
    }
}
