package dev.xpsr.torch;

import dev.xpsr.io.DType;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TorchFacadeTest {
    @BeforeAll
    static void start() {
        NativeStartup.ensureStarted(2);
    }

    @Test
    void floatsRoundTripThroughTensors() {
        float[] v = {1, 2, 3, 4, 5, 6};
        Tensor t = Torch.fromFloats(v, 2, 3);
        assertThat(Torch.shape(t)).containsExactly(2, 3);
        assertThat(Torch.toFloats(t)).containsExactly(v);
    }

    @Test
    void fusedAttentionEqualsExplicitSoftmaxAttention() {
        var g = Torch.generator(7);
        Tensor q = Torch.randn(g, 1, 2, 5, 4);
        Tensor k = Torch.randn(g, 1, 2, 6, 4);
        Tensor v = Torch.randn(g, 1, 2, 6, 4);
        Tensor fused = Torch.scaledDotProductAttention(q, k, v, false);
        Tensor scores = Torch.mul(q.matmul(k.transpose(-1, -2)), 0.5);
        Tensor explicit = Torch.softmax(scores, -1).matmul(v);
        assertThat(Torch.maxAbsDiff(fused, explicit)).isLessThan(1e-6);
    }

    @Test
    void seededGeneratorsRepeatTheirDraws() {
        float[] a = Torch.toFloats(Torch.randn(Torch.generator(42), 8));
        float[] b = Torch.toFloats(Torch.randn(Torch.generator(42), 8));
        assertThat(a).containsExactly(b);
        // torch.Generator().manual_seed(42); torch.randn(1) == 0.3367 in PyTorch
        assertThat(a[0]).isCloseTo(0.3367f, within(1e-4f));
    }

    @Test
    void everyDtypeMapsToItsScalarTypeAndBack() {
        for (DType d : DType.values()) {
            assertThat(Torch.dtype(Torch.zeros(Torch.scalarType(d), 2))).as(d.name()).isEqualTo(d);
        }
    }

    @Test
    void copyBytesWritesTheLittleEndianElementsAtThePosition() {
        Tensor t = Torch.fromFloats(new float[] {1.5f, -2f, 65504f}, 3).to(Torch.scalarType(DType.F16));
        ByteBuffer out = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 7);

        Torch.copyBytes(t, out);

        assertThat(out.position()).isEqualTo(8);
        assertThat(out.getShort(2)).isEqualTo((short) 0x3e00); // 1.5 in IEEE half
        assertThat(out.getShort(4)).isEqualTo((short) 0xc000); // -2
        assertThat(out.getShort(6)).isEqualTo((short) 0x7bff); // 65504, the largest half
        assertThatThrownBy(() -> Torch.copyBytes(t, ByteBuffer.allocateDirect(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 bytes");
    }

    @Test
    void anArchiveWriterThatOutgrowsItsCapacityFailsBeforeLibtorchReadsIt() {
        assertThatThrownBy(() -> LibtorchUnpickler.tensorList(16, out -> out.write(new byte[17])))
                .isInstanceOf(IOException.class).hasMessageContaining("outgrows its 16-byte buffer");
    }
}
