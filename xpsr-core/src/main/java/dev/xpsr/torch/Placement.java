package dev.xpsr.torch;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Locale;
import java.util.Optional;

/**
 * Where and in which precision models compute: {@code cpu} or {@code cuda[:N]}, and fp32 (the reference), fp16 or
 * bf16. Parsed from the command line's {@code --device} / {@code --dtype}; checked against what this libtorch
 * build and machine offer, with a message saying what to do.
 *
 * <p>bf16 on the CPU is refused unless the CPU computes it natively ({@link CpuFeatures#nativeBf16()}): elsewhere
 * oneDNN emulates it, with bf16's rounding but without the native instructions' speed. {@code emulatedBf16Allowed} lifts that refusal for users who
 * want bf16 anyway (for example to compare outputs on a machine without the instructions).
 *
 * @param emulatedBf16Allowed run bf16 on a CPU without native bf16 instead of refusing it
 */
public record Placement(String device, Precision precision, boolean emulatedBf16Allowed) {
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

    /** A placement that refuses bf16 on CPUs without native bf16. */
    public Placement(String device, Precision precision) {
        this(device, precision, false);
    }

    /** This placement, also on CPUs that would emulate bf16. */
    public Placement allowingEmulatedBf16() {
        return new Placement(device, precision, true);
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
            checkCpuPrecision(CpuFeatures.local());
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

    /** Refuses bf16 on a CPU that {@code cpu} (empty: unknown) does not show to compute it natively. */
    void checkCpuPrecision(Optional<CpuFeatures> cpu) {
        if (precision != Precision.BF16 || emulatedBf16Allowed) {
            return;
        }
        String flags = String.join(" or ", CpuFeatures.NATIVE_BF16_FLAGS);
        if (cpu.isEmpty()) {
            throw new IllegalStateException("bf16 on the CPU requested, but this system does not list its CPU flags "
                    + "(/proc/cpuinfo), so native bf16 (" + flags + ") cannot be confirmed: use --dtype fp32, or "
                    + "--allow-emulated-bf16 to run bf16 anyway");
        }
        if (!cpu.get().nativeBf16()) {
            throw new IllegalStateException("bf16 on the CPU requested, but this CPU lacks native bf16 (neither "
                    + flags + " is in /proc/cpuinfo's flags), so it would run emulated rather than natively: use "
                    + "--dtype fp32, or --allow-emulated-bf16 to run emulated bf16 anyway");
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
