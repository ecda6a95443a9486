package dev.xpsr.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerSettingsTest {
    static final Path DATA = Path.of("data");

    @Test
    void loopbackNeedsNoTokenButAnyOtherAddressDoes() {
        assertThat(ServerSettings.local(DATA).token()).isEmpty();
        ServerSettings open = new ServerSettings("localhost", 0, DATA, Optional.empty(),
                List.of(), ServerLimits.DEFAULTS, 1);
        assertThat(open.host()).isEqualTo("localhost");
        assertThatThrownBy(() -> new ServerSettings("0.0.0.0", 0, DATA, Optional.empty(),
                List.of(), ServerLimits.DEFAULTS, 1))
                .hasMessageContaining("binding 0.0.0.0 exposes the API").hasMessageContaining("--token-env");
        assertThat(new ServerSettings("0.0.0.0", 0, DATA, Optional.of("0123456789abcdef"),
                List.of(), ServerLimits.DEFAULTS, 1).token()).isPresent();
    }

    @Test
    void aShortTokenOrAnOutOfRangeSettingIsRefusedByName() {
        assertThatThrownBy(() -> ServerSettings.local(DATA).withToken("short"))
                .hasMessageContaining("at least 16 characters, got 5");
        assertThatThrownBy(() -> ServerSettings.local(DATA).withPort(70000)).hasMessageContaining("port");
        assertThatThrownBy(() -> ServerLimits.DEFAULTS.withQueueCapacity(0))
                .hasMessageContaining("queueCapacity must be at least 1, got 0");
        assertThatThrownBy(() -> ServerLimits.DEFAULTS.withMaxSteps(1001))
                .hasMessageContaining("maxSteps must be between 1 and 1000");
    }
}
