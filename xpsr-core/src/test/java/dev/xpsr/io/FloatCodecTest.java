package dev.xpsr.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The F16/BF16 conversions behind {@link SafetensorsFile#floats} and {@link TensorData#ofFloats}. */
class FloatCodecTest {

    @Test
    void halfDecodesKnownBitPatterns() {
        assertThat(FloatCodec.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(FloatCodec.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(FloatCodec.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(FloatCodec.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(FloatCodec.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(FloatCodec.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FloatCodec.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(FloatCodec.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(Float.floatToRawIntBits(FloatCodec.halfToFloat((short) 0x8000))).isEqualTo(0x8000_0000);
    }

    @Test
    void everyHalfSurvivesHalfToFloatToHalf() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short half = (short) bits;
            float value = FloatCodec.halfToFloat(half);
            if (Float.isNaN(value)) {
                assertThat(Float.isNaN(FloatCodec.halfToFloat(FloatCodec.floatToHalf(value)))).isTrue();
            } else {
                assertThat(FloatCodec.floatToHalf(value)).as("half 0x%04x", bits).isEqualTo(half);
            }
        }
    }

    @Test
    void floatToHalfRoundsToNearestWithTiesToEven() {
        // 1 + 2^-11 is half-way between 1 and the next half (1 + 2^-10): ties go to the even mantissa, 1.
        assertThat(FloatCodec.floatToHalf(1f + 0x1p-11f)).isEqualTo((short) 0x3c00);
        // 1 + 3 * 2^-11 is half-way between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
        assertThat(FloatCodec.floatToHalf(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
        assertThat(FloatCodec.floatToHalf(65519.99f)).isEqualTo((short) 0x7bff);
        assertThat(FloatCodec.floatToHalf(65520f)).isEqualTo((short) 0x7c00);
        assertThat(FloatCodec.floatToHalf(0x1p-25f)).isEqualTo((short) 0);
        assertThat(FloatCodec.floatToHalf(0x1.8p-25f)).isEqualTo((short) 1);
        assertThat(FloatCodec.floatToHalf(-0f)).isEqualTo((short) 0x8000);
        assertThat(FloatCodec.floatToHalf(Float.NaN) & 0x7c00).isEqualTo(0x7c00);
        assertThat(FloatCodec.floatToHalf(Float.NaN) & 0x03ff).isNotZero();
    }

    @Test
    void floatToHalfPicksTheClosestHalfForRandomFloats() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // Alternate random bit patterns (all magnitudes) with values spread over the half range.
            float f = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextDouble(-65504, 65504);
            if (Float.isNaN(f) || Math.abs(f) >= 65504f) {
                continue;
            }
            short h = FloatCodec.floatToHalf(f);
            double error = Math.abs((double) FloatCodec.halfToFloat(h) - f);
            for (int step : new int[] {-1, 1}) {
                float neighbour = FloatCodec.halfToFloat((short) (h + step));
                if (!Float.isNaN(neighbour) && Math.signum(neighbour) * Math.signum(f) >= 0) {
                    assertThat(error).as("%s -> 0x%04x", f, h).isLessThanOrEqualTo(Math.abs((double) neighbour - f));
                }
            }
        }
    }

    @Test
    void bf16TruncatesTheLowHalfWithRoundingToNearestEven() {
        assertThat(FloatCodec.floatToBf16(1f)).isEqualTo((short) 0x3f80);
        assertThat(FloatCodec.bf16ToFloat((short) 0x3f80)).isEqualTo(1f);
        // 1 + 2^-8 is half-way between 1 and 1 + 2^-7: ties to even gives 1.
        assertThat(FloatCodec.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3f80);
        assertThat(FloatCodec.floatToBf16(1f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3f81);
        assertThat(FloatCodec.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80);
        assertThat(FloatCodec.bf16ToFloat(FloatCodec.floatToBf16(Float.NaN))).isNaN();
        for (int bits = 0; bits < 0x10000; bits++) {
            float value = FloatCodec.bf16ToFloat((short) bits);
            if (!Float.isNaN(value)) {
                assertThat(FloatCodec.floatToBf16(value)).isEqualTo((short) bits);
            }
        }
    }

    @Test
    void toFloatsIgnoresTheBuffersOwnOrderAndPosition() {
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).flip();
        big.order(ByteOrder.BIG_ENDIAN);
        assertThat(FloatCodec.toFloats(DType.F32, big, 2)).containsExactly(1.5f, -2f);
    }
}
