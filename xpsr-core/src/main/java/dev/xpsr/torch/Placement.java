package dev.xpsr.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Locale;

/**
 * Where and in which precision models compute: {@code cpu} or {@code cuda[:N]}, and fp32 (the reference), fp16 or
 * bf16. Parsed from the command line's {@code --device} / {@code --dtype}; checked against what this libtorch
 * build and machine offer, with a message saying what to do.
 */
public record Placement(String device, Precision precision) {
    /** The reference setting: fp32 on the CPU. */
    public static final Placement CPU_FP32 = new Placement("cpu", Precision.FP32);

    /** Floating-point precision of weights and activations. */
    public enum Precision {
        FP32(ScalarType.Float), FP16(ScalarType.Half), BF16(ScalarType.BFloat16);

        private final ScalarType type;

        Precision(ScalarType type) {
            this.type = type;
        }

        public ScalarType scalarType() {
            return type;
        }

        public static Precision parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown dtype '" + s + "'; use fp32, fp16 or bf16");
            }
        }
    }

    public Placement {
        device = device.trim().toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.matches("cuda(:\\d+)?")) {
            throw new IllegalArgumentException("unknown device '" + device + "'; use cpu, cuda or cuda:N");
        }
    }

    public static Placement parse(String device, String dtype) {
        return new Placement(device, Precision.parse(dtype));
    }

    /** "cpu fp32", "cuda:1 bf16": for messages and recorded settings. */
    public String label() {
        return device + " " + precision.name().toLowerCase(Locale.ROOT);
    }

    public boolean isCuda() {
        return device.startsWith("cuda");
    }

    /** Fails with advice when the device cannot be used here. */
    public void checkAvailable() {
        NativeStartup.ensureStarted();
        if (!isCuda()) {
            return;
        }
        if (!torch.cuda_is_available()) {
            throw new IllegalStateException("device " + device + " requested, but libtorch sees no CUDA GPU: build with "
                    + "'mvn -Pcuda package' (GPU libtorch, needs CUDA 13 / cuDNN 9 and an R580+ driver) or use --device cpu");
        }
        int index = device.contains(":") ? Integer.parseInt(device.substring(5)) : 0;
        int count = torch.cuda_device_count();
        if (index >= count) {
            throw new IllegalStateException("device " + device + " requested, but only " + count + " CUDA device(s) exist");
        }
    }

    /** The libtorch device. */
    public Device torchDevice() {
        return new Device(device);
    }

    /** {@code t} on this device, floating-point tensors in this precision (others keep their type). */
    public Tensor place(Tensor t) {
        boolean floating = t.is_floating_point();
        return floating ? t.to(torchDevice(), precision.scalarType()) : t.to(torchDevice(), t.scalar_type());
    }
}
