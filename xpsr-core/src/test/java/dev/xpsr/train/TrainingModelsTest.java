package dev.xpsr.train;

import dev.xpsr.model.UNet2DConditionModel;
import dev.xpsr.testing.RestoresThreadCount;
import dev.xpsr.testing.TinyXpsrModels;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which parameters train, and a run started from SD-1.5's UNet alone. */
@ExtendWith(RestoresThreadCount.class)
class TrainingModelsTest {
    @TempDir
    Path tmp;

    @Test
    void controlNetAndPixelAttentionsTrainTheRestIsFrozenAndTheControlNetStartsFromTheSdUnet() throws Exception {
        NativeStartup.ensureStarted(1);
        TinyXpsrModels.Folders folders = TinyXpsrModels.write(tmp, 11);
        UNet2DConditionModel sd = TrainingFixtures.writeSdUnet(folders, 12);
        TrainConfig config = TrainConfig.fromMap(Map.of("pretrained_model_name_or_path", folders.sd15().toString(),
                "train_data_dir", "d", "output_dir", "o", "max_train_steps", 1), tmp, "test");

        TrainingModels models = TrainingModels.load(config, null);

        Map<String, Tensor> trainable = models.trainable();
        assertThat(trainable.keySet().stream().filter(k -> k.startsWith(TrainingModels.CONTROLNET)).count())
                .isEqualTo(models.controlNet.namedParameters().size());
        List<String> unetKeys = trainable.keySet().stream().filter(k -> k.startsWith(TrainingModels.UNET)).toList();
        assertThat(unetKeys).isNotEmpty().allMatch(k -> k.contains(".pixel_attentions."));
        long pixelParams = models.unet.namedParameters().keySet().stream().filter(k -> k.contains(".pixel_attentions."))
                .count();
        assertThat(unetKeys).hasSize((int) pixelParams);
        assertThat(trainable.values()).allMatch(Tensor::requires_grad);
        models.unet.namedParameters().forEach((k, v) ->
                assertThat(v.requires_grad()).as(k).isEqualTo(k.contains(".pixel_attentions.")));
        assertThat(models.vae.namedParameters().values()).noneMatch(Tensor::requires_grad);
        assertThat(models.textEncoder.namedParameters().values()).noneMatch(Tensor::requires_grad);
        // ControlNetModel.from_unet: the encoder is a copy of the SD UNet's, the zero convolutions are zero
        Tensor copied = models.controlNet.namedParameters().get("down_blocks.1.resnets.0.conv1.weight");
        assertThat(Torch.maxAbsDiff(copied, sd.namedParameters().get("down_blocks.1.resnets.0.conv1.weight")))
                .isZero();
        assertThat(Torch.maxAbsDiff(models.controlNet.controlnet_mid_block.weight,
                Torch.zerosLike(models.controlNet.controlnet_mid_block.weight))).isZero();
        assertThat(Torch.maxAbsDiff(models.unet.namedParameters().get("conv_in.weight"),
                sd.namedParameters().get("conv_in.weight"))).isZero();
    }

    @Test
    void moduleSuffixMatchingFollowsNamedModules() {
        List<String> suffixes = List.of("pixel_attentions", "attentions_connect");
        assertThat(TrainingModels.insideModuleEndingWith("up_blocks.1.pixel_attentions.0.proj_in.weight", suffixes))
                .isTrue();
        assertThat(TrainingModels.insideModuleEndingWith("up_blocks.1.attentions.0.proj_in.weight", suffixes)).isFalse();
        assertThat(TrainingModels.insideModuleEndingWith("pixel_attentions", suffixes)).isFalse();
    }
}
