package dev.xpsr.train;

import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of XPSR's training loss for one micro-batch: {@code mse} (ε-prediction MSE), the unweighted L1 of
 * every Degradation-Free head ({@code dfc_rgb_0…2}, {@code dfc_latent_0…11}, {@code dfc_latent_mid}), their
 * weighted sum {@code dfc} (λ·Σ, {@code train.py}'s {@code degradation_loss}) and {@code loss} = mse + dfc.
 */
public final class LossTerms {
    /** Name of the total. */
    public static final String LOSS = "loss";
    public static final String MSE = "mse";
    public static final String DFC = "dfc";

    private final Map<String, Tensor> terms;

    LossTerms(Map<String, Tensor> terms) {
        this.terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /** The total loss (what backward starts from). */
    public Tensor total() {
        return terms.get(LOSS);
    }

    /** Every term by name: loss, mse, dfc, then the DFC heads in the order the reference sums them. */
    public Map<String, Tensor> tensors() {
        return terms;
    }

    /** Every term as a Java number, in the same order. */
    public Map<String, Double> values() {
        Map<String, Double> out = new LinkedHashMap<>();
        terms.forEach((k, v) -> out.put(k, v.item_double()));
        return out;
    }

    /**
     * Fails when a term is NaN or infinite, naming the first such term (the heads before the sums, so the message
     * points at the part that went wrong rather than the total).
     */
    public static void checkFinite(Map<String, Double> values, long step) {
        String bad = null;
        for (Map.Entry<String, Double> e : values.entrySet()) {
            if (!Double.isFinite(e.getValue()) && (bad == null || isSum(bad))) {
                bad = e.getKey();
            }
        }
        if (bad != null) {
            throw new NonFiniteLossException(step, bad, values.get(bad));
        }
    }

    private static boolean isSum(String name) {
        return name.equals(LOSS) || name.equals(DFC);
    }
}
