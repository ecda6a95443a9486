package dev.xpsr.model;

import dev.xpsr.io.JsonConfig;
import dev.xpsr.io.ModelConfigException;
import dev.xpsr.nn.Embedding;
import dev.xpsr.nn.LayerNorm;
import dev.xpsr.nn.Linear;
import dev.xpsr.nn.Module;
import dev.xpsr.nn.ModuleList;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * transformers 4.36 {@code CLIPTextModel} (SD's text encoder), built from its config.json: token + position
 * embeddings, pre-norm transformer layers with causal self-attention and a quick-GELU (or GELU) MLP, final
 * LayerNorm. ids (B, 77) int64 → last_hidden_state (B, 77, hidden). No attention mask is used, as in the
 * SD / XPSR pipelines; the causal mask always applies.
 */
public final class ClipTextModel extends Module {
    /** Keys the reference drops when loading (the non-persistent {@code position_ids} buffer of old exports). */
    public static final Set<String> IGNORED_KEYS = Set.of("text_model.embeddings.position_ids");

    public final TextTransformer text_model;
    private final int eosTokenId;

    public ClipTextModel(JsonConfig c) {
        String act = c.string("hidden_act", "quick_gelu");
        if (!act.equals("quick_gelu") && !act.equals("gelu")) {
            throw new ModelConfigException(c.source() + ": hidden_act '" + act + "' is not supported; use quick_gelu or gelu");
        }
        int hidden = c.integer("hidden_size");
        int heads = c.integer("num_attention_heads");
        if (hidden % heads != 0) {
            throw new ModelConfigException(c.source() + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        this.eosTokenId = c.integer("eos_token_id", 2);
        this.text_model = child("text_model", new TextTransformer(c.integer("vocab_size"),
                c.integer("max_position_embeddings", 77), hidden, c.integer("intermediate_size"),
                c.integer("num_hidden_layers"), heads, c.number("layer_norm_eps", 1e-5), act.equals("quick_gelu")));
    }

    /** Encoder outputs: the last hidden state and, in order, the embeddings and each layer's output. */
    public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates, Tensor pooled) {
    }

    /** {@code last_hidden_state} for token ids (B, L). */
    public Tensor forward(Tensor ids) {
        return forwardAll(ids).lastHiddenState();
    }

    /** All outputs, as {@code output_hidden_states=True} gives them, plus {@code pooler_output}. */
    public Output forwardAll(Tensor ids) {
        Tensor longIds = ids.to(ScalarType.Long);
        List<Tensor> states = new ArrayList<>();
        Tensor h = text_model.embeddings.forward(longIds);
        states.add(h);
        for (EncoderLayer layer : text_model.encoder.layers) {
            h = layer.forward(h);
            states.add(h);
        }
        Tensor last = text_model.final_layer_norm.forward(h);
        return new Output(last, states, pool(last, longIds));
    }

    /**
     * The hidden state at the end-of-text token: the first argmax of the ids when {@code eos_token_id} is 2 (the
     * legacy rule SD-1.5's config triggers), else the first position holding {@code eos_token_id}.
     */
    private Tensor pool(Tensor last, Tensor ids) {
        Tensor marks = eosTokenId == 2 ? ids : Torch.eq(ids, eosTokenId).to(ScalarType.Int);
        Tensor positions = Torch.argmax(marks, -1);
        Tensor[] rows = new Tensor[(int) last.size(0)];
        for (int b = 0; b < rows.length; b++) {
            rows[b] = last.select(0, b).select(0, positions.select(0, b).item_long()).unsqueeze(0);
        }
        return Torch.cat(0, rows);
    }

    /** {@code CLIPTextTransformer}. */
    public static final class TextTransformer extends Module {
        public final Embeddings embeddings;
        public final Encoder encoder;
        public final LayerNorm final_layer_norm;

        TextTransformer(int vocab, int positions, int hidden, int mlp, int layers, int heads, double eps,
                        boolean quickGelu) {
            this.embeddings = child("embeddings", new Embeddings(vocab, positions, hidden));
            this.encoder = child("encoder", new Encoder(hidden, mlp, layers, heads, eps, quickGelu));
            this.final_layer_norm = child("final_layer_norm", new LayerNorm(hidden, eps));
        }
    }

    /** {@code CLIPTextEmbeddings}: token embedding + learned position embedding of positions 0..L−1. */
    public static final class Embeddings extends Module {
        public final Embedding token_embedding;
        public final Embedding position_embedding;
        private final int maxPositions;

        Embeddings(int vocab, int positions, int hidden) {
            this.maxPositions = positions;
            this.token_embedding = child("token_embedding", new Embedding(vocab, hidden));
            this.position_embedding = child("position_embedding", new Embedding(positions, hidden));
        }

        public Tensor forward(Tensor ids) {
            long length = ids.size(-1);
            if (length > maxPositions) {
                throw new IllegalArgumentException("token sequence of length " + length
                        + " exceeds max_position_embeddings " + maxPositions);
            }
            Tensor positions = Torch.arange(length).to(ids.device(), ScalarType.Long).unsqueeze(0);
            return token_embedding.forward(ids).add(position_embedding.forward(positions));
        }
    }

    /** {@code CLIPEncoder}. */
    public static final class Encoder extends Module {
        public final ModuleList<EncoderLayer> layers;

        Encoder(int hidden, int mlp, int count, int heads, double eps, boolean quickGelu) {
            this.layers = child("layers", new ModuleList<>());
            for (int i = 0; i < count; i++) {
                layers.add(new EncoderLayer(hidden, mlp, heads, eps, quickGelu));
            }
        }
    }

    /** {@code CLIPEncoderLayer}: x + attn(LN1(x)), then + MLP(LN2(·)). */
    public static final class EncoderLayer extends Module {
        public final SelfAttention self_attn;
        public final LayerNorm layer_norm1;
        public final Mlp mlp;
        public final LayerNorm layer_norm2;

        EncoderLayer(int hidden, int mlpDim, int heads, double eps, boolean quickGelu) {
            this.self_attn = child("self_attn", new SelfAttention(hidden, heads));
            this.layer_norm1 = child("layer_norm1", new LayerNorm(hidden, eps));
            this.mlp = child("mlp", new Mlp(hidden, mlpDim, quickGelu));
            this.layer_norm2 = child("layer_norm2", new LayerNorm(hidden, eps));
        }

        public Tensor forward(Tensor x) {
            return Torch.scoped(() -> {
                Tensor h = x.add(self_attn.forward(layer_norm1.forward(x)));
                return h.add(mlp.forward(layer_norm2.forward(h)));
            });
        }
    }

    /** {@code CLIPAttention} with the causal mask; q/k/v/out projections with bias. */
    public static final class SelfAttention extends Module {
        public final Linear k_proj;
        public final Linear v_proj;
        public final Linear q_proj;
        public final Linear out_proj;
        private final int heads;

        SelfAttention(int hidden, int heads) {
            this.heads = heads;
            this.k_proj = child("k_proj", new Linear(hidden, hidden));
            this.v_proj = child("v_proj", new Linear(hidden, hidden));
            this.q_proj = child("q_proj", new Linear(hidden, hidden));
            this.out_proj = child("out_proj", new Linear(hidden, hidden));
        }

        public Tensor forward(Tensor x) {
            long b = x.size(0);
            long n = x.size(1);
            long d = x.size(2) / heads;
            Tensor q = q_proj.forward(x).view(b, n, heads, d).transpose(1, 2);
            Tensor k = k_proj.forward(x).view(b, n, heads, d).transpose(1, 2);
            Tensor v = v_proj.forward(x).view(b, n, heads, d).transpose(1, 2);
            Tensor out = Torch.scaledDotProductAttention(q, k, v, true);
            return out_proj.forward(out.transpose(1, 2).reshape(b, n, heads * d));
        }
    }

    /** {@code CLIPMLP}: fc1 → quick-GELU (or GELU) → fc2. */
    public static final class Mlp extends Module {
        public final Linear fc1;
        public final Linear fc2;
        private final boolean quickGelu;

        Mlp(int hidden, int inner, boolean quickGelu) {
            this.quickGelu = quickGelu;
            this.fc1 = child("fc1", new Linear(hidden, inner));
            this.fc2 = child("fc2", new Linear(inner, hidden));
        }

        public Tensor forward(Tensor x) {
            Tensor h = fc1.forward(x);
            return fc2.forward(quickGelu ? Torch.quickGelu(h) : Torch.gelu(h));
        }
    }
}
