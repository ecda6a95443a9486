package dev.xpsr.cli;

import dev.xpsr.torch.Placement;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --dtype} of the networks. */
final class PlacementOptions {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32, fp16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    Placement placement() {
        return Placement.parse(device, dtype);
    }
}
