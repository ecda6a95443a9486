package dev.xpsr.baseline;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The weight storage variants of ncnn's ModelBin, written by hand. */
class NcnnModelBinTest {
    @Test
    void readsFloat16WithItsTagAndPadding() {
        // three halves = 6 bytes, padded to 8; the next buffer starts right after the padding
        NcnnModelBin bin = new NcnnBytes().half(1f, -2.5f, 0.099975586f).floats(7f).bin();
        assertThat(bin.load(3, 0, "w")).containsExactly(1f, -2.5f, 0.099975586f);
        assertThat(bin.load(1, 1, "b")).containsExactly(7f);
        bin.checkFullyRead();
    }

    @Test
    void readsFloat32WithAZeroFlagOrTheScaledTag() {
        NcnnModelBin bin = new NcnnBytes().flaggedFloats(0.1f, 3f).word(NcnnModelBin.TAG_FLOAT32_SCALED)
                .floats(-4f).bin();
        assertThat(bin.load(2, 0, "w")).containsExactly(0.1f, 3f);
        assertThat(bin.load(1, 0, "w2")).containsExactly(-4f);
        assertThat(bin.remaining()).isZero();
    }

    @Test
    void readsTableQuantizedWeights() {
        float[] table = new float[256];
        for (int i = 0; i < 256; i++) {
            table[i] = i / 8f - 16;
        }
        // five indices take 8 bytes with the padding
        NcnnModelBin bin = new NcnnBytes().quantized(0x00000102, table, 0, 1, 128, 255, 8).floats(1f).bin();
        assertThat(bin.load(5, 0, "w")).containsExactly(-16f, -15.875f, 0f, 15.875f, -15f);
        assertThat(bin.load(1, 1, "b")).containsExactly(1f);
        bin.checkFullyRead();
    }

    @Test
    void rejectsInt8Weights() {
        NcnnModelBin bin = new NcnnBytes().word(NcnnModelBin.TAG_INT8).word(0).bin();
        assertThatThrownBy(() -> bin.load(4, 0, "conv1 weights")).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("conv1 weights").hasMessageContaining("int8");
    }

    @Test
    void reportsATruncatedFileAndLeftoverBytes() {
        NcnnModelBin shortBin = new NcnnBytes().half(1f, 2f).bin();
        assertThatThrownBy(() -> shortBin.load(3, 0, "conv1 weights")).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("conv1 weights").hasMessageContaining("does not match the .param");
        NcnnModelBin longBin = new NcnnBytes().floats(1f, 2f).bin();
        longBin.load(1, 1, "b");
        assertThatThrownBy(longBin::checkFullyRead).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("4 bytes left");
    }
}
