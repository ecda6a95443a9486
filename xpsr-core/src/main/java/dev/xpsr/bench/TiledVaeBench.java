package dev.xpsr.bench;

import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.Sd15Configs;
import dev.xpsr.nn.Init;
import dev.xpsr.pipeline.TiledVae;
import dev.xpsr.pipeline.TiledVaeMemory;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import dev.xpsr.util.ProcessMemory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * Measures the {@link TiledVae} decoder and encoder on the full SD-1.5 VAE (random weights,
 * {@link Init#pytorchDefaults}): wall time and the process's peak resident memory per tile size, beside
 * {@link TiledVaeMemory}'s estimates. The peak is reset before each run ({@code /proc/self/clear_refs}, Linux), so
 * one process can measure several sizes; memory freed by an earlier run may stay resident and be reused, so the
 * first run of a process is the cleanest. {@code xpsr bench} can call {@link #decode} / {@link #encode};
 * {@link #main} prints one line per tile size:
 *
 * <pre>java … dev.xpsr.bench.TiledVaeBench decode|encode SIZE shared|fast TILE…</pre>
 */
public final class TiledVaeBench {
    /**
     * One measurement: peak RSS above the RSS before the run, and the estimates for the same setting ({@code tiles}
     * is 0 when the input fits one tile and the plain forward ran).
     */
    public record Result(String network, int size, int tile, int pad, boolean fastMode, int tiles, double seconds,
                         long rssBefore, long peakRss, long estimateTile, long estimatePaused) {
        /** Peak growth over the run: what the call itself needed on top of what the process already held. */
        public long peakGrowth() {
            return peakRss - rssBefore;
        }

        @Override
        public String toString() {
            String run = String.format("%s %d, tile %d pad %d%s, ", network, size, tile, pad, fastMode ? " fast" : "");
            String memory = String.format("%.1f s, RSS before %s, peak %s (+%s)", seconds,
                    ProcessMemory.format(rssBefore), ProcessMemory.format(peakRss), ProcessMemory.format(peakGrowth()));
            return tiles == 0 ? run + "untiled (plain forward): " + memory
                    : run + tiles + " tiles: " + memory + "; estimate tile " + ProcessMemory.format(estimateTile)
                    + " + paused " + ProcessMemory.format(estimatePaused);
        }
    }

    private TiledVaeBench() {
    }

    /** The SD-1.5 VAE with PyTorch's default initialisation drawn from {@code seed}. */
    public static AutoencoderKL sd15Vae(long seed) {
        AutoencoderKL vae = new AutoencoderKL(Sd15Configs.vae());
        Init.pytorchDefaults(vae, Torch.generator(seed));
        return vae;
    }

    /** Decodes a random latent (1, L, latent, latent) with the given options and measures it. */
    public static Result decode(AutoencoderKL vae, int latent, TiledVae.Options options, long seed) {
        return measure(vae, "decode latent", latent, options, true, seed,
                vae.latentChannels(), z -> new TiledVae(options).decode(vae, z));
    }

    /** Encodes a random image (1, 3, side, side) in [−1, 1] with the given options and measures it. */
    public static Result encode(AutoencoderKL vae, int side, TiledVae.Options options, long seed) {
        return measure(vae, "encode image", side, options, false, seed, 3,
                x -> new TiledVae(options).encode(vae, Torch.clamp(x, -1, 1)).moments);
    }

    /** The tile and pad reported are in the network's input units (latent px for the decoder, image px for the encoder). */
    private static Result measure(AutoencoderKL vae, String network, int size, TiledVae.Options options,
                                  boolean decoder, long seed, int channels, UnaryOperator<Tensor> run) {
        int tile = decoder ? options.decoderTile() : options.encoderTile();
        int pad = decoder ? options.decoderPad() : options.encoderPadPixels(vae.downFactor());
        boolean fast = options.fastMode();
        // 0 tiles: the input fits one tile and the plain forward runs
        int tiles = new TiledVae(options).tileCount(vae, size, size, decoder);
        try (PointerScope scope = new PointerScope(); AutoCloseable mode = Torch.inferenceMode()) {
            Tensor input = Torch.randn(Torch.generator(seed), 1, channels, size, size);
            resetPeak();
            long before = ProcessMemory.rssBytes();
            long t0 = System.nanoTime();
            run.apply(input);
            double seconds = (System.nanoTime() - t0) / 1e9;
            TiledVaeMemory.Widths w = TiledVaeMemory.Widths.of(vae);
            return new Result(network, size, tile, pad, fast, tiles, seconds, before, ProcessMemory.peakRssBytes(),
                    tiles == 0 ? 0 : TiledVaeMemory.tileBytes(w, decoder, tile, pad),
                    fast ? 0 : TiledVaeMemory.pausedBytes(w, decoder, size, size, tile, pad));
        } catch (Exception e) {
            throw new IllegalStateException("tiled VAE benchmark failed", e);
        }
    }

    /**
     * {@code decode|encode SIZE shared|fast TILE…}: SIZE is the latent side (decode) or image side (encode); each
     * TILE is measured in turn with XPSR's padding (11 / 4 latent px, i.e. 32 px for the encoder).
     */
    public static void main(String[] args) {
        if (args.length < 4 || !(args[0].equals("decode") || args[0].equals("encode"))) {
            System.err.println("usage: TiledVaeBench decode|encode SIZE shared|fast TILE...");
            System.exit(2);
        }
        boolean decode = args[0].equals("decode");
        int size = Integer.parseInt(args[1]);
        boolean fast = args[2].equals("fast");
        NativeStartup.ensureStarted();
        PrintStream out = System.out;
        AutoencoderKL vae = sd15Vae(0);
        out.printf("SD-1.5 VAE, %d ATen threads, weights loaded: RSS %s%n", NativeStartup.threads(),
                ProcessMemory.format(ProcessMemory.rssBytes()));
        for (int i = 3; i < args.length; i++) {
            int tile = Integer.parseInt(args[i]);
            TiledVae.Options o = TiledVae.Options.XPSR.withFastMode(fast);
            out.println(decode ? decode(vae, size, o.withDecoderTile(tile, o.decoderPad()), 1)
                    : encode(vae, size, o.withEncoderTile(tile, o.encoderPad()), 1));
        }
    }

    /** Resets the kernel's peak-RSS mark (VmHWM) of this process; a no-op where that is not possible. */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux or not permitted: the peak then covers the whole process life, which the report shows
        }
    }
}
