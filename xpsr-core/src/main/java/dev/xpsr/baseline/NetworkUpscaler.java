package dev.xpsr.baseline;

import dev.xpsr.io.RgbImage;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * A pretrained super-resolution network run on libtorch (float32, CPU): image → tensor in the network's
 * {@link PixelRange} → {@link LayerGraph} (whole, or tile by tile per {@link Tiling}) → clamped, rounded 8-bit
 * image.
 *
 * <p>On construction the graph is run once on an 8×8 black probe, which checks that it maps (1, 3, h, w) to
 * (1, 3, s·h, s·w) for an integer s (the {@link #scale()}) and measures its activation bytes per input pixel for
 * memory-bounded tiling. Weights are held until {@link #close}.
 */
public final class NetworkUpscaler implements BaselineUpscaler {
    private static final int PROBE_SIDE = 8;

    private final String name;
    private final LayerGraph graph;
    private final PixelRange range;
    private final Tiling tiling;
    private final int scale;
    private final double bytesPerPixel;

    private NetworkUpscaler(String name, LayerGraph graph, PixelRange range, Tiling tiling, int scale,
                            double bytesPerPixel) {
        this.name = name;
        this.graph = graph;
        this.range = range;
        this.tiling = tiling;
        this.scale = scale;
        this.bytesPerPixel = bytesPerPixel;
    }

    /**
     * An upscaler running {@code graph}.
     *
     * @throws IllegalArgumentException if the graph is not a 3-channel, fixed integer-ratio upscaler
     */
    public static NetworkUpscaler of(String name, LayerGraph graph, PixelRange range, Tiling tiling) {
        NativeStartup.ensureStarted();
        LayerGraph.Probe probe;
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            probe = graph.probe(Torch.zeros(1, 3, PROBE_SIDE, PROBE_SIDE));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long[] s = probe.outputShape();
        long ratio = s.length == 4 ? s[2] / PROBE_SIDE : 0;
        if (s.length != 4 || s[0] != 1 || s[1] != 3 || ratio < 1 || s[2] != ratio * PROBE_SIDE || s[3] != s[2]) {
            throw new IllegalArgumentException(graph.description() + ": maps a (1, 3, " + PROBE_SIDE + ", "
                    + PROBE_SIDE + ") input to " + Arrays.toString(s) + ", not to an integer-ratio RGB upscale");
        }
        double perPixel = (double) probe.peakLiveBytes() / (PROBE_SIDE * PROBE_SIDE);
        return new NetworkUpscaler(name, graph, range, tiling, (int) ratio, perPixel);
    }

    /** The same network with another tiling policy. */
    public NetworkUpscaler withTiling(Tiling other) {
        return new NetworkUpscaler(name, graph, range, other, scale, bytesPerPixel);
    }

    @Override
    public RgbImage upscale(RgbImage lr) {
        NativeStartup.ensureStarted();
        try (AutoCloseable mode = Torch.inferenceMode(); PointerScope scope = new PointerScope()) {
            return range.toImage(forward(range.toTensor(lr)));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The raw network output (1, 3, s·H, s·W) for an input (1, 3, H, W) in the network's range, tiled as the
     * policy says; call inside inference mode. The result belongs to the caller's {@link PointerScope}.
     */
    public Tensor forward(Tensor x) {
        TileGrid grid = tiling.gridFor((int) x.size(3), (int) x.size(2), bytesPerPixel);
        return grid == null ? graph.run(x) : tiled(x, grid);
    }

    private Tensor tiled(Tensor x, TileGrid grid) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        Tensor out = Torch.zeros(1, 3, (long) h * scale, (long) w * scale);
        for (TileGrid.Tile t : grid.tiles(w, h)) {
            try (PointerScope scope = new PointerScope()) {
                Tensor in = x.narrow(2, t.py(), t.ph()).narrow(3, t.px(), t.pw()).contiguous();
                Tensor y = graph.run(in);
                Tensor kept = y.narrow(2, (long) (t.y() - t.py()) * scale, (long) t.h() * scale)
                        .narrow(3, (long) (t.x() - t.px()) * scale, (long) t.w() * scale);
                out.narrow(2, (long) t.y() * scale, (long) t.h() * scale)
                        .narrow(3, (long) t.x() * scale, (long) t.w() * scale).copy_(kept);
            }
        }
        return out;
    }

    /** Frees the network's weights (shared with {@link #withTiling} copies). */
    @Override
    public void close() {
        graph.close();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int scale() {
        return scale;
    }

    public LayerGraph graph() {
        return graph;
    }

    public PixelRange range() {
        return range;
    }

    public Tiling tiling() {
        return tiling;
    }

    /** Live activation bytes per input pixel, measured on the probe. */
    public double bytesPerPixel() {
        return bytesPerPixel;
    }
}
