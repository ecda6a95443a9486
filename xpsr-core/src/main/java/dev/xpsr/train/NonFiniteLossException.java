package dev.xpsr.train;

/** A loss term became NaN or infinite: training stops, keeping the last good checkpoint. */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final String term;

    public NonFiniteLossException(long step, String term, double value) {
        super("loss term '" + term + "' is " + value + " at step " + step + "; training stopped (the last checkpoint "
                + "written is intact: lower learning_rate, check the data, or try mixed_precision: no)");
        this.step = step;
        this.term = term;
    }

    /** The optimizer step being computed. */
    public long step() {
        return step;
    }

    /** The name of the offending term ({@link LossTerms}). */
    public String term() {
        return term;
    }
}
