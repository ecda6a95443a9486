package dev.xpsr.torch;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bf16 on the CPU: allowed where the CPU has native bf16, refused with advice elsewhere unless emulation is allowed. */
class Bf16PlacementTest {
    private static final String CPUINFO_HEADER = "processor\t: 0\nvendor_id\t: GenuineIntel\n";
    private static final Placement BF16 = Placement.parse("cpu", "bf16");

    private static Optional<CpuFeatures> cpu(String flags) {
        return CpuFeatures.parse(CPUINFO_HEADER + "flags\t\t: " + flags + "\nbogomips\t: 4000.00\n");
    }

    @Test
    void readsTheFlagsOfTheFirstProcessor() {
        CpuFeatures f = cpu("fpu sse2 avx2 avx512f avx512_bf16").orElseThrow();
        assertThat(f.has("avx2")).isTrue();
        assertThat(f.has("avx512")).as("whole flags only").isFalse();
        assertThat(f.nativeBf16()).isTrue();
        assertThat(cpu("fpu amx_tile amx_bf16").orElseThrow().nativeBf16()).isTrue();
        assertThat(cpu("fpu avx2 avx512f").orElseThrow().nativeBf16()).isFalse();
        assertThat(CpuFeatures.parse(CPUINFO_HEADER)).as("no flags line").isEmpty();
    }

    @Test
    void bf16IsAcceptedOnACpuWithNativeBf16() {
        assertThatCode(() -> BF16.checkCpuPrecision(cpu("avx2 amx_bf16"))).doesNotThrowAnyException();
    }

    @Test
    void bf16IsRefusedWithoutNativeBf16NamingTheFlagsAndFp32() {
        assertThatThrownBy(() -> BF16.checkCpuPrecision(cpu("avx2 avx512f")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("avx512_bf16").hasMessageContaining("amx_bf16")
                .hasMessageContaining("--dtype fp32").hasMessageContaining("--allow-emulated-bf16");
        assertThatThrownBy(() -> BF16.checkCpuPrecision(Optional.empty()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("/proc/cpuinfo");
    }

    @Test
    void emulatedBf16RunsWhenAllowedAndFp32IsNeverChecked() {
        assertThatCode(() -> BF16.allowingEmulatedBf16().checkCpuPrecision(cpu("avx2"))).doesNotThrowAnyException();
        assertThatCode(() -> Placement.CPU_FP32.checkCpuPrecision(Optional.empty())).doesNotThrowAnyException();
        assertThat(BF16.allowingEmulatedBf16().label()).isEqualTo(BF16.label());
    }
}
