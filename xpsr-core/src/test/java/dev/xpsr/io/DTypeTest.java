package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The dtype table against the safetensors spec's codes and sizes. */
class DTypeTest {

    @Test
    void codesAndSizesMatchTheSpec() {
        assertThat(DType.F64.byteSize()).isEqualTo(8);
        assertThat(DType.F32.byteSize()).isEqualTo(4);
        assertThat(DType.F16.byteSize()).isEqualTo(2);
        assertThat(DType.BF16.byteSize()).isEqualTo(2);
        assertThat(DType.I64.byteSize()).isEqualTo(8);
        assertThat(DType.I32.byteSize()).isEqualTo(4);
        assertThat(DType.I16.byteSize()).isEqualTo(2);
        assertThat(DType.I8.byteSize()).isEqualTo(1);
        assertThat(DType.U8.byteSize()).isEqualTo(1);
        assertThat(DType.BOOL.byteSize()).isEqualTo(1);
        for (DType d : DType.values()) {
            assertThat(d.code()).isEqualTo(d.name());
        }
    }

    @Test
    void parseIsCaseSensitiveAndNamesFileKeyAndCodeWhenUnknown() throws Exception {
        assertThat(DType.parse("BF16", null, null)).isEqualTo(DType.BF16);
        assertThat(DType.fromCode("f32")).isEmpty();
        assertThatThrownBy(() -> DType.parse("F8_E4M3", Path.of("w.safetensors"), "layer.weight"))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("w.safetensors").hasMessageContaining("layer.weight")
                .hasMessageContaining("F8_E4M3").hasMessageContaining("F32, F16");
    }
}
