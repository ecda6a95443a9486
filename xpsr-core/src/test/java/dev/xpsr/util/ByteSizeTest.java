package dev.xpsr.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {
    @Test
    void suffixesArePowersOf1024() {
        assertThat(ByteSize.parse("800000000")).isEqualTo(800_000_000L);
        assertThat(ByteSize.parse("512M")).isEqualTo(512L << 20);
        assertThat(ByteSize.parse("3g")).isEqualTo(3L << 30);
        assertThat(ByteSize.parse("1.5GiB")).isEqualTo(3L << 29);
        assertThat(ByteSize.parse(" 2 GB ")).isEqualTo(2L << 30);
        assertThat(ByteSize.parse("64k")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse("1T")).isEqualTo(1L << 40);
    }

    @Test
    void nonSizesAreRefusedWithTheText() {
        for (String bad : new String[] {"", "G", "-1G", "1X", "1.5.2G", "0", "lots"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
