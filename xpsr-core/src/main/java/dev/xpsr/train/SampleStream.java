package dev.xpsr.train;

import dev.xpsr.io.ImageFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The endless sequence of training samples: epoch after epoch, each a seeded shuffle of the pairs
 * ({@code DataLoader(shuffle=True)}). The only state is the position (samples consumed, skipped ones included),
 * which a checkpoint stores. A pair that cannot be loaded is reported once through {@code onSkip}, counted and
 * passed over; the sample is taken from the next position instead.
 */
final class SampleStream {
    private final PairedDataset data;
    private final TrainConfig config;
    private final Consumer<String> onSkip;
    private final Set<Integer> skipped = new HashSet<>();
    private long position;
    private long epoch = -1;
    private int[] order;

    SampleStream(PairedDataset data, TrainConfig config, long position, Consumer<String> onSkip) {
        this.data = data;
        this.config = config;
        this.position = position;
        this.onSkip = onSkip;
    }

    /** Samples consumed so far. */
    long position() {
        return position;
    }

    /** Distinct pairs skipped because they could not be used. */
    int skipped() {
        return skipped.size();
    }

    /** The next usable sample. */
    TrainingSample next() {
        while (true) {
            long at = position++;
            int index = indexAt(at);
            try {
                return data.load(index, Seeds.derive(config.seed(), 2, at), config);
            } catch (ImageFileException e) {
                if (skipped.add(index)) {
                    onSkip.accept("skipping " + data.pairs().get(index).id() + ": " + e.getMessage());
                }
                if (skipped.size() == data.size()) {
                    throw new IllegalStateException("none of the " + data.size() + " training pairs can be read");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading the prompts of " + data.pairs().get(index).id() + " failed: "
                        + e.getMessage(), e);
            }
        }
    }

    private int indexAt(long at) {
        long e = at / data.size();
        if (e != epoch) {
            order = shuffled(data.size(), new SplittableRandom(Seeds.derive(config.seed(), 1, e)));
            epoch = e;
        }
        return order[(int) (at % data.size())];
    }

    /** Fisher–Yates shuffle of 0…n−1. */
    private static int[] shuffled(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
