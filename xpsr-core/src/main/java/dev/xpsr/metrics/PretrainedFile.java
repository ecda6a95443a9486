package dev.xpsr.metrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A public weight or model file a metric needs: its file name as the reference downloads it, where to get it, and
 * what it holds. A safetensors conversion with the same base name ({@code name.safetensors}) is accepted too.
 */
public record PretrainedFile(String fileName, String url, String contents) {
    public static final PretrainedFile ALEXNET = new PretrainedFile("alexnet-owt-7be5be79.pth",
            "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
            "torchvision AlexNet IMAGENET1K_V1 (the LPIPS backbone)");
    public static final PretrainedFile VGG16 = new PretrainedFile("vgg16-397923af.pth",
            "https://download.pytorch.org/models/vgg16-397923af.pth",
            "torchvision VGG16 IMAGENET1K_V1 (the LPIPS-VGG and DISTS backbone)");
    public static final PretrainedFile LPIPS_ALEX = new PretrainedFile("LPIPS_v0.1_alex-df73285e.pth",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/LPIPS_v0.1_alex-df73285e.pth",
            "pyiqa's LPIPS v0.1 AlexNet weights (also the GitHub release chaofengc/IQA-PyTorch v0.1-weights)");
    public static final PretrainedFile LPIPS_VGG = new PretrainedFile("LPIPS_v0.1_vgg-a78928a0.pth",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/LPIPS_v0.1_vgg-a78928a0.pth",
            "pyiqa's LPIPS v0.1 VGG weights (also the GitHub release chaofengc/IQA-PyTorch v0.1-weights)");
    public static final PretrainedFile DISTS = new PretrainedFile("DISTS_weights-f5e65c96.pth",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/DISTS_weights-f5e65c96.pth",
            "pyiqa's DISTS weights (also the GitHub release chaofengc/IQA-PyTorch v0.1-weights)");
    public static final PretrainedFile MUSIQ_KONIQ = new PretrainedFile("musiq_koniq_ckpt-e95806b9.pth",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/musiq_koniq_ckpt-e95806b9.pth",
            "pyiqa's MUSIQ KonIQ-10k weights (pyiqa 0.1.10 downloads them from the GitHub release "
                    + "chaofengc/IQA-PyTorch v0.1-weights)");
    public static final PretrainedFile MANIQA_KONIQ = new PretrainedFile("ckpt_koniq10k.pt",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/ckpt_koniq10k.pt",
            "MANIQA KonIQ-10k weights, pyiqa 0.1.10's 'maniqa' (also the GitHub release IIGROUP/MANIQA Koniq10k, "
                    + "where pyiqa 0.1.10 downloads them)");
    public static final PretrainedFile MANIQA_PIPAL = new PretrainedFile("MANIQA_PIPAL-ae6d356b.pth",
            "https://huggingface.co/chaofengc/IQA-PyTorch-Weights/resolve/main/MANIQA_PIPAL-ae6d356b.pth",
            "pyiqa's MANIQA PIPAL weights, 'maniqa-pipal' (also the GitHub release chaofengc/IQA-PyTorch "
                    + "v0.1-weights)");
    public static final PretrainedFile FID_INCEPTION = new PretrainedFile("pt_inception-2015-12-05-6726825d.pth",
            "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
            "pytorch-fid's port of TensorFlow's FID Inception-v3, as pyiqa's fid loads it");
    public static final PretrainedFile CLIP_RN50 = new PretrainedFile("RN50.pt",
            "https://openaipublic.azureedge.net/clip/models/"
                    + "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762/RN50.pt",
            "OpenAI CLIP RN50, as pyiqa's clipiqa loads it; the file is a TorchScript archive, which is not read "
                    + "here: convert it once with python -c \"import torch, safetensors.torch as st; "
                    + "m = torch.jit.load('RN50.pt', map_location='cpu'); st.save_file({k: v.contiguous() for k, v "
                    + "in m.state_dict().items()}, 'RN50.safetensors')\"");
    public static final PretrainedFile NIQE_PARAMS = new PretrainedFile(Niqe.PARAMS_FILE,
            "https://github.com/XPixelGroup/BasicSR/raw/v1.4.2/basicsr/metrics/niqe_pris_params.npz",
            "BasicSR 1.4.2's pristine NIQE model");
    public static final PretrainedFile BRISQUE_MODEL = new PretrainedFile(Brisque.MODEL_FILE,
            "https://github.com/opencv/opencv_contrib/raw/4.6.0/modules/quality/samples/brisque_model_live.yml",
            "OpenCV's LIVE-trained BRISQUE SVM");
    public static final PretrainedFile BRISQUE_RANGE = new PretrainedFile(Brisque.RANGE_FILE,
            "https://github.com/opencv/opencv_contrib/raw/4.6.0/modules/quality/samples/brisque_range_live.yml",
            "OpenCV's BRISQUE feature ranges");

    /**
     * The file in {@code dir}: its {@code .safetensors} conversion, else the original name. The conversion comes
     * first because it is made when the original cannot be read here (a legacy or TorchScript archive) and often
     * sits beside it.
     */
    public Optional<Path> find(Path dir) {
        int dot = fileName.lastIndexOf('.');
        Path converted = dir.resolve((dot > 0 ? fileName.substring(0, dot) : fileName) + ".safetensors");
        if (Files.isRegularFile(converted)) {
            return Optional.of(converted);
        }
        Path original = dir.resolve(fileName);
        return Files.isRegularFile(original) ? Optional.of(original) : Optional.empty();
    }

    /** "name (contents) from url", for messages. */
    public String advice() {
        return fileName + " (" + contents + ") from " + url;
    }

    /**
     * Where torchvision and pyiqa 0.1.10 download these files: {@code $TORCH_HOME/hub/checkpoints}, else
     * {@code ~/.cache/torch/hub/checkpoints}.
     */
    public static Path defaultFolder() {
        String torchHome = System.getenv("TORCH_HOME");
        Path home = torchHome != null && !torchHome.isBlank() ? Path.of(torchHome)
                : Path.of(System.getProperty("user.home"), ".cache", "torch");
        return home.resolve("hub").resolve("checkpoints");
    }
}
