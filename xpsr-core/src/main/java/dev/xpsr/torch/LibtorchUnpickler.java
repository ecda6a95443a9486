package dev.xpsr.torch;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * libtorch's own unpickler, {@code torch::pickle_load}, over a {@code torch.save}-layout zip archive that the
 * caller writes straight into native memory: {@code pickle_load} needs the whole archive as one
 * {@code std::vector<char>}, and going through a Java array would hold it twice.
 *
 * <p>The archive's buffer and the unpickled list belong to the caller's {@code PointerScope}; the returned
 * tensors too, unless the caller retains them.
 */
public final class LibtorchUnpickler {
    private LibtorchUnpickler() {
    }

    /** Writes the archive's bytes. */
    @FunctionalInterface
    public interface ArchiveWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The tensors of an archive whose pickle is a list of tensors, in list order.
     *
     * @param capacity the most bytes {@code writer} may write; more is an {@link IOException}
     * @throws IOException from {@code writer}, or when it outgrows {@code capacity}
     * @throws RuntimeException carrying libtorch's message when the archive does not unpickle, or unpickles to
     *         something other than a list of tensors
     */
    public static List<Tensor> tensorList(long capacity, ArchiveWriter writer) throws IOException {
        ByteVector bytes = new ByteVector(capacity);
        NativeOutputStream out = new NativeOutputStream(dataPointer(bytes, capacity), capacity);
        writer.writeTo(out);
        bytes.resize(out.written());
        IValue root = torch.pickle_load(bytes);
        if (!root.isList()) {
            throw new IllegalStateException("libtorch returned a " + root.tagKind().getString()
                    + " where the archive's pickle is a list of tensors");
        }
        GenericList list = root.toList();
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            // toTensor() is a reference into the list, freed with it; the copy owns a reference of its own
            tensors.add(new Tensor(list.get(i).toTensor()));
        }
        return tensors;
    }

    /**
     * The first byte of a {@code std::vector<char>}. JavaCPP's {@code ByteVector} has no {@code data()} and fills
     * element by element through JNI (hours for gigabytes). libstdc++ and libc++ both keep the begin pointer as the
     * vector's first member; it is read here and verified with sentinel bytes written through the vector itself,
     * so another layout fails loudly instead of writing elsewhere.
     */
    static BytePointer dataPointer(ByteVector v, long size) {
        BytePointer data = new BytePointer(new PointerPointer<Pointer>(v).get(0)).capacity(size);
        v.put(0, (byte) 0x5a);
        v.put(size - 1, (byte) 0xa5);
        if (data.isNull() || data.get(0) != 0x5a || data.get(size - 1) != (byte) 0xa5) {
            throw new IllegalStateException("cannot locate the bytes of a std::vector<char> on this platform");
        }
        return data;
    }

    /** Sequential writes into a native buffer of fixed capacity. */
    private static final class NativeOutputStream extends OutputStream {
        private final BytePointer base;
        private final long capacity;
        private long written;

        NativeOutputStream(BytePointer base, long capacity) {
            this.base = base;
            this.capacity = capacity;
        }

        long written() {
            return written;
        }

        @Override
        public void write(int b) throws IOException {
            reserve(1);
            base.put(written++, (byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            reserve(len);
            base.position(written).put(b, off, len);
            base.position(0);
            written += len;
        }

        private void reserve(long n) throws IOException {
            if (written + n > capacity) {
                throw new IOException("the assembled zip outgrows its " + capacity + "-byte buffer");
            }
        }
    }
}
