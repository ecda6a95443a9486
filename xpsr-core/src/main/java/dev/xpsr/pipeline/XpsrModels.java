package dev.xpsr.pipeline;

import dev.xpsr.io.CheckpointFiles;
import dev.xpsr.model.AutoencoderKL;
import dev.xpsr.model.ClipTextModel;
import dev.xpsr.model.ClipTokenizer;
import dev.xpsr.model.Pretrained;
import dev.xpsr.model.XpsrControlNetLayout;
import dev.xpsr.model.XpsrControlNetModel;
import dev.xpsr.model.XpsrUNet2DConditionModel;
import dev.xpsr.nn.Module;
import dev.xpsr.scheduler.SchedulerConfig;
import dev.xpsr.torch.Placement;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything XPSR's inference needs: from the Stable Diffusion 1.5 folder the tokenizer, CLIP text encoder, VAE
 * and scheduler config; from the XPSR checkpoint folder its ControlNet and UNet.
 *
 * <p>With {@link Residency#RESIDENT} the four networks are loaded once and stay in memory. With
 * {@link Residency#SEQUENTIAL} a network is loaded when a stage first {@link #use uses} it and freed when the last
 * stage using it closes its lease, so only the networks of the running stages occupy memory: with one restoration
 * at a time the peak is the largest stage (ControlNet + UNet) instead of the sum of all four, at the cost of
 * reloading the weights for every image.
 *
 * <p>Thread safety: leases are counted per network, so restorations running at the same time on several threads
 * never free a network another one is using; the networks themselves are only read during inference.
 * {@link #close} frees every network (resident ones included); the models cannot be used afterwards.
 */
public final class XpsrModels implements AutoCloseable {
    /** How the networks stay in memory between the pipeline's stages. */
    public enum Residency {
        /** All networks stay loaded: the fastest for batches, and the choice on a GPU. */
        RESIDENT,
        /** Only the running stage's networks are loaded: the lowest peak memory. */
        SEQUENTIAL;

        /**
         * A residency option's value: {@code resident}, {@code sequential}, or {@code auto} (empty: chosen from the
         * memory budget and the device).
         *
         * @throws IllegalArgumentException for any other text, naming the choices
         */
        public static Optional<Residency> parseOption(String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> Optional.empty();
                case "resident" -> Optional.of(RESIDENT);
                case "sequential" -> Optional.of(SEQUENTIAL);
                default -> throw new IllegalArgumentException("residency must be auto, resident or sequential, got "
                        + text);
            };
        }
    }

    /** The four networks, as the pipeline releases them. */
    public enum Network { TEXT_ENCODER, VAE, CONTROLNET, UNET }

    /**
     * Makes a fresh network for sequential residency, best straight on {@code placement} (one left on the CPU in
     * fp32 is moved there afterwards, at the cost of holding it in fp32 once).
     */
    @FunctionalInterface
    public interface Loader<M extends Module> {
        M load(Placement placement);
    }

    private final ClipTokenizer tokenizer;
    private final Slot<ClipTextModel> textEncoder;
    private final Slot<AutoencoderKL> vae;
    private final Slot<XpsrControlNetModel> controlNet;
    private final Slot<XpsrUNet2DConditionModel> unet;
    private final SchedulerConfig schedulerConfig;
    private final Placement placement;
    private final Residency residency;
    private final XpsrControlNetLayout controlNetLayout;

    /** Loaded models on the CPU in fp32, resident. */
    public XpsrModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, AutoencoderKL vae,
                      XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, SchedulerConfig schedulerConfig) {
        this(tokenizer, textEncoder, vae, controlNet, unet, schedulerConfig, Placement.CPU_FP32);
    }

    /** Loaded models already on {@code placement}, resident. */
    public XpsrModels(ClipTokenizer tokenizer, ClipTextModel textEncoder, AutoencoderKL vae,
                      XpsrControlNetModel controlNet, XpsrUNet2DConditionModel unet, SchedulerConfig schedulerConfig,
                      Placement placement) {
        this(tokenizer, Slot.of(textEncoder), Slot.of(vae), Slot.of(controlNet), Slot.of(unet), schedulerConfig,
                placement, Residency.RESIDENT, controlNet.layout());
    }

    private XpsrModels(ClipTokenizer tokenizer, Slot<ClipTextModel> textEncoder, Slot<AutoencoderKL> vae,
                       Slot<XpsrControlNetModel> controlNet, Slot<XpsrUNet2DConditionModel> unet,
                       SchedulerConfig schedulerConfig, Placement placement, Residency residency,
                       XpsrControlNetLayout controlNetLayout) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.textEncoder = textEncoder;
        this.vae = vae;
        this.controlNet = controlNet;
        this.unet = unet;
        this.schedulerConfig = Objects.requireNonNull(schedulerConfig, "schedulerConfig");
        this.placement = Objects.requireNonNull(placement, "placement");
        this.residency = residency;
        this.controlNetLayout = Objects.requireNonNull(controlNetLayout, "controlNetLayout");
    }

    /**
     * Models loaded on demand by the loaders and freed after each use, as {@link Residency#SEQUENTIAL} describes;
     * on the CPU in fp32 until {@link #to moved}.
     *
     * @param controlNetLayout the layout of the ControlNet {@code controlNet} loads (known before it is loaded)
     */
    public static XpsrModels sequential(ClipTokenizer tokenizer, Loader<ClipTextModel> textEncoder,
                                        Loader<AutoencoderKL> vae, Loader<XpsrControlNetModel> controlNet,
                                        Loader<XpsrUNet2DConditionModel> unet, SchedulerConfig schedulerConfig,
                                        XpsrControlNetLayout controlNetLayout) {
        return new XpsrModels(tokenizer, Slot.loading(textEncoder), Slot.loading(vae), Slot.loading(controlNet),
                Slot.loading(unet), schedulerConfig, Placement.CPU_FP32, Residency.SEQUENTIAL, controlNetLayout);
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModel textEncoder() {
        return textEncoder.get(placement);
    }

    public AutoencoderKL vae() {
        return vae.get(placement);
    }

    public XpsrControlNetModel controlNet() {
        return controlNet.get(placement);
    }

    public XpsrUNet2DConditionModel unet() {
        return unet.get(placement);
    }

    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    /** Device and precision of the networks and of every tensor the pipeline feeds them. */
    public Placement placement() {
        return placement;
    }

    public Residency residency() {
        return residency;
    }

    /** The ControlNet's fusion mode and heads, as its config states them and its weights were checked to hold. */
    public XpsrControlNetLayout controlNetLayout() {
        return controlNetLayout;
    }

    /** A stage's hold on its networks; closing it lets sequential models free what no other stage holds. */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Marks the start of a stage that runs {@code networks}: they are loaded now if they are not, and stay loaded
     * until the returned lease (and every other lease on them) is closed. Resident models only count the lease.
     *
     * @throws IllegalStateException when the models are closed
     */
    public Lease use(Network... networks) {
        List<Slot<?>> held = new ArrayList<>();
        try {
            for (Network n : networks) {
                Slot<?> slot = slot(n);
                slot.acquire(placement);
                held.add(slot);
            }
        } catch (RuntimeException e) {
            held.forEach(Slot::release);
            throw e;
        }
        return new Lease() {
            private boolean open = true;

            @Override
            public synchronized void close() {
                if (open) {
                    open = false;
                    held.forEach(Slot::release);
                }
            }
        };
    }

    /** Frees every network's weights; later use fails. Idempotent. */
    @Override
    public void close() {
        for (Network n : Network.values()) {
            slot(n).close();
        }
    }

    private Slot<?> slot(Network n) {
        return switch (n) {
            case TEXT_ENCODER -> textEncoder;
            case VAE -> vae;
            case CONTROLNET -> controlNet;
            case UNET -> unet;
        };
    }

    /**
     * The same models on {@code target} (device and precision): resident networks are moved once, now; sequential
     * ones are moved each time they are loaded.
     */
    public XpsrModels to(Placement target) {
        target.checkAvailable();
        if (residency == Residency.RESIDENT) {
            for (Module m : new Module[] {textEncoder(), vae(), controlNet(), unet()}) {
                m.to(target);
            }
        }
        return new XpsrModels(tokenizer, textEncoder, vae, controlNet, unet, schedulerConfig, target, residency,
                controlNetLayout);
    }

    /** Resident models read from the folders; see {@link #load(Path, Path, String, Residency)}. */
    public static XpsrModels load(Path sd15, Path xpsr, String variant) throws IOException {
        return load(sd15, xpsr, variant, Residency.RESIDENT);
    }

    /** {@link #load(Path, Path, String, Residency, Placement)} on the CPU in fp32. */
    public static XpsrModels load(Path sd15, Path xpsr, String variant, Residency residency) throws IOException {
        return load(sd15, xpsr, variant, residency, Placement.CPU_FP32);
    }

    /**
     * @param sd15      the base model's diffusers folder, SD-1.5 or SD-2.x ({@code text_encoder/},
     *                  {@code tokenizer/}, {@code vae/}, {@code scheduler/}); its {@code unet/} is not needed
     * @param xpsr      a folder holding XPSR's {@code controlnet/} and {@code unet/}
     * @param variant   {@code fp16} to read the {@code .fp16.} weight files, or null
     * @param residency whether the networks are loaded now and kept, or loaded per stage (their weight files are
     *                  then checked to exist now, and the ControlNet's config against its weights' keys, so a
     *                  missing or mismatched file fails before the first image)
     * @param placement device and precision each network is loaded into, tensor by tensor (equal to loading in fp32
     *                  and calling {@link #to}, without the fp32 copy)
     */
    public static XpsrModels load(Path sd15, Path xpsr, String variant, Residency residency, Placement placement)
            throws IOException {
        placement.checkAvailable();
        ClipTokenizer tokenizer = ClipTokenizer.forModel(sd15.resolve("tokenizer"));
        SchedulerConfig scheduler = SchedulerConfig.read(sd15.resolve("scheduler").resolve("scheduler_config.json"));
        Path te = sd15.resolve("text_encoder");
        Path vae = sd15.resolve("vae");
        Path cn = xpsr.resolve("controlnet");
        Path unet = xpsr.resolve("unet");
        if (residency == Residency.RESIDENT) {
            return new XpsrModels(tokenizer, Pretrained.textEncoder(te, variant, placement),
                    Pretrained.vae(vae, variant, placement), Pretrained.xpsrControlNet(cn, variant, placement),
                    Pretrained.xpsrUnet(unet, variant, placement), scheduler, placement);
        }
        for (Path dir : new Path[] {te, vae, cn, unet}) {
            CheckpointFiles.findWeights(dir, variant);
        }
        return sequential(tokenizer, p -> Pretrained.textEncoder(te, variant, p), p -> Pretrained.vae(vae, variant, p),
                p -> Pretrained.xpsrControlNet(cn, variant, p), p -> Pretrained.xpsrUnet(unet, variant, p), scheduler,
                Pretrained.xpsrControlNetLayout(cn, variant)).to(placement);
    }

    /**
     * One network: always loaded (resident), or loaded on first use and freed when its last lease closes
     * (sequential). Closing frees it for good.
     */
    private static final class Slot<M extends Module> {
        private final Loader<M> loader;
        private M module;
        private int leases;
        private boolean closed;

        private Slot(Loader<M> loader, M module) {
            this.loader = loader;
            this.module = module;
        }

        static <M extends Module> Slot<M> of(M module) {
            return new Slot<>(null, Objects.requireNonNull(module));
        }

        static <M extends Module> Slot<M> loading(Loader<M> loader) {
            return new Slot<>(Objects.requireNonNull(loader), null);
        }

        synchronized M get(Placement placement) {
            if (closed) {
                throw new IllegalStateException("the XPSR models are closed");
            }
            if (module == null) {
                M loaded = loader.load(placement);
                loaded.to(placement);
                module = loaded;
            }
            return module;
        }

        synchronized void acquire(Placement placement) {
            get(placement);
            leases++;
        }

        synchronized void release() {
            leases--;
            if (leases == 0 && loader != null && module != null) {
                module.releaseWeights();
                module = null;
            }
        }

        synchronized void close() {
            if (module != null) {
                module.releaseWeights();
                module = null;
            }
            closed = true;
        }
    }
}
