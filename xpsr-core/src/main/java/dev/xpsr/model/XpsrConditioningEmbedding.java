package dev.xpsr.model;

import dev.xpsr.nn.ControlNetConditioningEmbedding;
import dev.xpsr.nn.Conv2d;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.nn.RRDB;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * XPSR's (PASD's) pyramid image encoder: the ControlNet conditioning embedding plus, optionally, two RRDBs after
 * {@code conv_in} ({@code preprocesser}, {@code use_rrdb}) and the pixel-space Degradation-Free heads
 * {@code to_rgbs.{0,1,2}} ({@code return_rgbs}): a 3×3 conv to RGB after every stride-2 block, giving
 * (B, 3, H/2, W/2), (B, 3, H/4, W/4), (B, 3, H/8, W/8) with no output activation.
 */
public final class XpsrConditioningEmbedding extends ControlNetConditioningEmbedding {
    public final ModuleList<RRDB> preprocesser;
    public final ModuleList<Conv2d> to_rgbs;

    public XpsrConditioningEmbedding(long embeddingChannels, long conditioningChannels, int[] widths, boolean useRrdb,
                                     boolean returnRgbs) {
        super(embeddingChannels, conditioningChannels, widths);
        this.preprocesser = useRrdb ? child("preprocesser", new ModuleList<>()) : null;
        if (useRrdb) {
            // XPSR: RRDB(block_out_channels[0], block_out_channels[0]), two of them
            preprocesser.add(new RRDB(widths[0], widths[0])).add(new RRDB(widths[0], widths[0]));
        }
        this.to_rgbs = returnRgbs ? child("to_rgbs", new ModuleList<>()) : null;
        if (returnRgbs) {
            for (int i = 1; i < widths.length; i++) {
                to_rgbs.add(Conv2d.same(widths[i], 3, 3));
            }
        }
    }

    @Override
    protected Tensor afterConvIn(Tensor h) {
        if (preprocesser != null) {
            for (RRDB rrdb : preprocesser) {
                h = rrdb.forward(h);
            }
        }
        return h;
    }

    @Override
    protected void afterBlock(int i, Tensor h, List<Tensor> rgbs) {
        // the heads read the stride-2 convs, i.e. the odd block indices (XPSR: `if i % 2 and self.return_rgbs`)
        if (to_rgbs != null && rgbs != null && i % 2 == 1) {
            rgbs.add(to_rgbs.get(i / 2).forward(h));
        }
    }
}
