package dev.xpsr.torch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NativeStartupTest {
    @Test
    void laterStartsKeepTheChosenThreadCount() {
        NativeStartup.ensureStarted();
        int before = NativeStartup.threads();
        try {
            NativeStartup.ensureStarted(1);
            NativeStartup.ensureStarted();
            assertThat(NativeStartup.threads()).as("a plain start after --threads 1").isEqualTo(1);
        } finally {
            NativeStartup.ensureStarted(before);
        }
    }

    @Test
    void threadCountMustBePositive() {
        assertThatThrownBy(() -> NativeStartup.ensureStarted(0)).hasMessageContaining("at least 1");
    }
}
