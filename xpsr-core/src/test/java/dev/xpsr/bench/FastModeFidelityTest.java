package dev.xpsr.bench;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import dev.xpsr.pipeline.PilResize;
import dev.xpsr.pipeline.XpsrModels;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.Placement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast-mode comparison on tiny models: one exact row, then each fast mode measured against it. */
class FastModeFidelityTest {
    @TempDir
    Path tmp;

    @Test
    void eachFastModeIsMeasuredAgainstTheExactRestoration() throws Exception {
        TinyXpsrModels.Folders folders = TinyXpsrModels.write(tmp.resolve("models"), 9);
        RgbImage hr = ImageFiles.read(Path.of(System.getProperty("xpsr.data", "../fixtures/data"))
                .resolve("images/hr/opencv_fruits.png"));
        RgbImage lr = PilResize.resize(hr.crop(40, 40, 160, 160), 16, 16);
        List<Placement> asked = new ArrayList<>();
        List<FastModeFidelity.Row> logged = new ArrayList<>();
        Placement bf16 = Placement.parse("cpu", "bf16").allowingEmulatedBf16();
        List<FastModeFidelity.Row> rows = FastModeFidelity.measure(p -> {
            asked.add(p);
            try {
                return XpsrModels.load(folders.sd15(), folders.xpsr(), null, XpsrModels.Residency.RESIDENT, p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, lr, 64, 5, bf16, logged::add);

        assertThat(asked).containsExactly(Placement.CPU_FP32, bf16);
        assertThat(logged).isEqualTo(rows);
        assertThat(rows).extracting(FastModeFidelity.Row::mode).containsExactly(
                "fp32, DDPM, 20 steps (exact)", "fp32, DDPM, 20 steps, seed + 1", "fp32, dpmpp-2m, 10 steps",
                "fp32, unipc, 10 steps", "bf16, DDPM, 20 steps");
        assertThat(rows.get(0).difference()).isNull();
        for (FastModeFidelity.Row fast : rows.subList(1, rows.size())) {
            assertThat(fast.seconds()).isPositive();
            // another seed, sampler or precision moves the output
            assertThat(fast.difference().maxAbs()).as(fast.mode()).isBetween(1, 255);
            assertThat(fast.difference().psnr()).as(fast.mode()).isFinite().isPositive();
        }
    }
}
