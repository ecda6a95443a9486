package dev.xpsr.cli;

import dev.xpsr.torch.Placement;
import picocli.CommandLine.Option;

/** {@code --device}, {@code --dtype} and {@code --allow-emulated-bf16} of the networks. */
final class PlacementOptions {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--allow-emulated-bf16",
            description = "With --dtype bf16 on a CPU without native bf16 (avx512_bf16 or amx_bf16): run it emulated "
                    + "instead of refusing.")
    boolean allowEmulatedBf16;

    Placement placement() {
        Placement p = Placement.parse(device, dtype);
        return allowEmulatedBf16 ? p.allowingEmulatedBf16() : p;
    }
}
