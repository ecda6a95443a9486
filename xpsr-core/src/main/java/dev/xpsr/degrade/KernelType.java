package dev.xpsr.degrade;

import java.util.Arrays;

/**
 * The blur-kernel families of BasicSR's {@code random_mixed_kernels} (named as in Real-ESRGAN's
 * {@code kernel_list}), plus the 2-D sinc of {@code circular_lowpass_kernel}.
 */
public enum KernelType {
    ISO("iso"),
    ANISO("aniso"),
    GENERALIZED_ISO("generalized_iso"),
    GENERALIZED_ANISO("generalized_aniso"),
    PLATEAU_ISO("plateau_iso"),
    PLATEAU_ANISO("plateau_aniso"),
    SINC("sinc");

    private final String configName;

    KernelType(String configName) {
        this.configName = configName;
    }

    /** The name used in BasicSR / Real-ESRGAN option files ({@code kernel_list}). */
    public String configName() {
        return configName;
    }

    /** Whether the kernel ignores σy and θ. */
    public boolean isotropic() {
        return this == ISO || this == GENERALIZED_ISO || this == PLATEAU_ISO;
    }

    /** The type with the given {@code kernel_list} name. */
    public static KernelType fromConfigName(String name) {
        return Arrays.stream(values()).filter(t -> t.configName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown kernel type '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(KernelType::configName).toList()));
    }
}
