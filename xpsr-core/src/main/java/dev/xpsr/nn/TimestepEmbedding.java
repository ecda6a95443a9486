package dev.xpsr.nn;

import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers' {@code Timesteps} (the parameterless sinusoidal projection) followed by {@code TimestepEmbedding}
 * ({@code linear_1} → SiLU → {@code linear_2}). Timesteps (0-d or [1], broadcast to the batch, or [B]) →
 * (B, timeEmbedDim), in the sample's dtype.
 */
public final class TimestepEmbedding extends Module {
    public final Linear linear_1;
    public final Linear linear_2;
    private final long projectionDim;
    private final boolean flipSinToCos;
    private final double freqShift;

    public TimestepEmbedding(long projectionDim, long timeEmbedDim, boolean flipSinToCos, double freqShift) {
        this.projectionDim = projectionDim;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        this.linear_1 = child("linear_1", new Linear(projectionDim, timeEmbedDim));
        this.linear_2 = child("linear_2", new Linear(timeEmbedDim, timeEmbedDim));
    }

    /** Embeds {@code timesteps} for a batch shaped like {@code sample}. */
    public Tensor forward(Tensor timesteps, Tensor sample) {
        Tensor t = timesteps.dim() == 0 ? timesteps.reshape(1) : timesteps;
        t = t.expand(sample.size(0));
        // the projection is computed in float32 on the CPU, then moved to the sample's device and precision
        Tensor emb = sinusoidal(t.cpu(), projectionDim, flipSinToCos, freqShift).to(sample.device(), sample.scalar_type());
        return linear_2.forward(Torch.silu(linear_1.forward(emb)));
    }

    /**
     * {@code get_timestep_embedding}: frequencies exp(−ln(10000)·i / (half − shift)) in float32, [sin, cos]
     * (or [cos, sin] when flipped), zero-padded when the width is odd.
     */
    public static Tensor sinusoidal(Tensor timesteps, long dim, boolean flipSinToCos, double freqShift) {
        long half = dim / 2;
        Tensor exponent = Torch.div(Torch.mul(Torch.arange(half), -Math.log(10000.0)), half - freqShift);
        Tensor args = timesteps.to(ScalarType.Float).unsqueeze(1).mul(Torch.exp(exponent).unsqueeze(0));
        Tensor sin = Torch.sin(args);
        Tensor cos = Torch.cos(args);
        Tensor emb = flipSinToCos ? Torch.cat(-1, cos, sin) : Torch.cat(-1, sin, cos);
        return dim % 2 == 1 ? Torch.pad(emb, 0, 1) : emb;
    }
}
