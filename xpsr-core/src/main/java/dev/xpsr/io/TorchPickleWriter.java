package dev.xpsr.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Writes {@link TorchPickle.TensorRef}s as the simplest pickle libtorch's C++ unpickler reads: a list of
 * {@code torch._utils._rebuild_tensor_v2(persistent_load(('storage', torch.<Type>Storage, key, 'cpu', numel)),
 * offset, size, stride, False, {})}, protocol 2, with no memo. A list, not a dict: the tensors are matched to
 * their names by position, so no name crosses JNI, whose string conversion (modified UTF-8) would alter names
 * with a NUL or a character outside the BMP.
 *
 * <p>Only this writer's output ever reaches the C++ unpickler; the pickle of a checkpoint is read by
 * {@link TorchPickle}.
 */
public final class TorchPickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private TorchPickleWriter() {
    }

    /** The pickle of the list {@code tensors}. */
    public static byte[] tensorList(Collection<TorchPickle.TensorRef> tensors) {
        TorchPickleWriter w = new TorchPickleWriter();
        w.op(0x80).op(2).op(']').op('(');
        tensors.forEach(w::tensor);
        w.op('e').op('.');
        return w.out.toByteArray();
    }

    private void tensor(TorchPickle.TensorRef ref) {
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        storage(ref.storage());
        integer(ref.offset());
        tuple(ref.size());
        tuple(ref.stride());
        op(0x89); // requires_grad = False
        op('}'); // backward hooks: read and ignored by the unpickler
        op('t').op('R');
    }

    private void storage(TorchPickle.StorageRef s) {
        op('(');
        string("storage");
        global("torch", TorchPickle.STORAGE_NAMES.get(s.dtype()));
        string(s.key());
        string("cpu");
        integer(s.numel());
        op('t').op('Q');
    }

    private void tuple(long[] values) {
        op('(');
        for (long v : values) {
            integer(v);
        }
        op('t');
    }

    private void global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    /** BININT for what fits 32 bits, else LONG1 of exactly 8 bytes (the only LONG1 libtorch reads). */
    private void integer(long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            op(0x8a).op(8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    private TorchPickleWriter op(int b) {
        out.write(b);
        return this;
    }
}
