package dev.xpsr.degrade;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RandomKernelsTest {
    // Real-ESRGAN train_realesrgan_x4plus.yml, first stage
    private static final RandomKernels.BlurSettings X4PLUS = new RandomKernels.BlurSettings(
            List.of(KernelType.ISO, KernelType.ANISO, KernelType.GENERALIZED_ISO, KernelType.GENERALIZED_ANISO,
                    KernelType.PLATEAU_ISO, KernelType.PLATEAU_ANISO),
            new double[] {0.45, 0.25, 0.12, 0.03, 0.12, 0.03}, new double[] {0.2, 3}, new double[] {0.5, 4},
            new double[] {1, 2}, 0.1);
    private static final Set<Integer> SIZES = Set.of(7, 9, 11, 13, 15, 17, 19, 21);

    private static RandomGenerator rng(long seed) {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    @Test
    void sameSeedGivesTheSameKernels() {
        RandomGenerator a = rng(1234);
        RandomGenerator b = rng(1234);
        for (int i = 0; i < 50; i++) {
            RandomKernels.Sample x = RandomKernels.blurKernel(a, X4PLUS);
            RandomKernels.Sample y = RandomKernels.blurKernel(b, X4PLUS);
            assertThat(x.type()).isEqualTo(y.type());
            assertThat(x.size()).isEqualTo(y.size());
            assertThat(x.kernel()).isDeepEqualTo(y.kernel());
        }
    }

    @Test
    void blurKernelsHaveValidSizesTypesAndParametersAndSumToOne() {
        RandomGenerator r = rng(7);
        Set<KernelType> seen = EnumSet.noneOf(KernelType.class);
        for (int i = 0; i < 2000; i++) {
            RandomKernels.Sample s = RandomKernels.blurKernel(r, X4PLUS);
            seen.add(s.type());
            assertThat(SIZES).contains(s.size());
            assertThat(s.kernel()).hasDimensions(RandomKernels.PADDED_SIZE, RandomKernels.PADDED_SIZE);
            assertThat(sum(s.kernel())).isCloseTo(1, within(1e-12));
            assertOnlyCentreBlockNonZero(s);
            checkParameters(s);
        }
        assertThat(seen).isEqualTo(EnumSet.allOf(KernelType.class));
    }

    @Test
    void finalSincIsPaddedSincOrPulse() {
        RandomGenerator r = rng(99);
        int sincs = 0;
        for (int i = 0; i < 500; i++) {
            Optional<RandomKernels.Sample> s = RandomKernels.finalSinc(r, 0.8);
            if (s.isPresent()) {
                sincs++;
                assertThat(s.get().type()).isEqualTo(KernelType.SINC);
                assertThat(s.get().omega()).isBetween(Math.PI / 3, Math.PI);
                assertThat(SIZES).contains(s.get().size());
                assertThat(sum(s.get().kernel())).isCloseTo(1, within(1e-12));
            }
        }
        assertThat(sincs).isBetween(340, 460);
        assertThat(sum(RandomKernels.pulse())).isEqualTo(1);
        assertThat(RandomKernels.pulse()[10][10]).isEqualTo(1);
    }

    private static void checkParameters(RandomKernels.Sample s) {
        if (s.type() == KernelType.SINC) {
            double low = s.size() < 13 ? Math.PI / 3 : Math.PI / 5;
            assertThat(s.omega()).isBetween(low, Math.PI);
            return;
        }
        assertThat(s.sigmaX()).isBetween(0.2, 3.0);
        if (s.type().isotropic()) {
            assertThat(s.sigmaY()).isEqualTo(s.sigmaX());
            assertThat(s.theta()).isZero();
        } else {
            assertThat(s.sigmaY()).isBetween(0.2, 3.0);
            assertThat(s.theta()).isBetween(-Math.PI, Math.PI);
        }
        switch (s.type()) {
            case GENERALIZED_ISO, GENERALIZED_ANISO -> assertThat(s.beta()).isBetween(0.5, 4.0);
            case PLATEAU_ISO, PLATEAU_ANISO -> assertThat(s.beta()).isBetween(1.0, 2.0);
            default -> assertThat(s.beta()).isNaN();
        }
    }

    private static void assertOnlyCentreBlockNonZero(RandomKernels.Sample s) {
        int pad = (RandomKernels.PADDED_SIZE - s.size()) / 2;
        double[][] k = s.kernel();
        for (int i = 0; i < k.length; i++) {
            for (int j = 0; j < k.length; j++) {
                boolean inside = i >= pad && i < pad + s.size() && j >= pad && j < pad + s.size();
                if (!inside) {
                    assertThat(k[i][j]).as("padding at [%d][%d] of a %d kernel", i, j, s.size()).isZero();
                }
            }
        }
    }

    private static double sum(double[][] k) {
        double total = 0;
        for (double[] row : k) {
            for (double v : row) {
                total += v;
            }
        }
        return total;
    }
}
