package dev.xpsr.pipeline;

import dev.xpsr.scheduler.Sampler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Batch engines ship one {@link UpscaleOptions} to their workers by Java serialization. */
class UpscaleOptionsSerializationTest {
    @Test
    void everySettingSurvivesJavaSerialization() throws Exception {
        UpscaleOptions options = UpscaleOptions.builder().steps(3).guidance(5.5).seed(-7).sampler(Sampler.UNIPC)
                .colorFix(ColorFixMode.WAVELET).latentTiles(64, 8).vaeTiles(TiledVae.Options.forBudget(1L << 30))
                .outputSize(new OutputSize(300, 200)).useHighlevelPrompt(false).useLowlevelPrompt(false)
                .useNegativePrompts(false).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(options);
        }
        Object back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = in.readObject();
        }
        assertThat(back).isEqualTo(options);
        assertThat(back.toString()).isEqualTo(options.toString()).contains("seed=-7", "sampler=unipc");
    }
}
