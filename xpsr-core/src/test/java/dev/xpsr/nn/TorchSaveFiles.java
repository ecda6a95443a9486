package dev.xpsr.nn;

import dev.xpsr.io.DType;
import dev.xpsr.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes files the way Python's {@code torch.save} does, for tests on a machine without Python torch.
 *
 * <p>{@link #pickle} emits pickle protocol 2 with the opcodes CPython's pickler chooses (memoised strings,
 * tuples and globals; {@code SETITEM} for one item, {@code SETITEMS} for more), tensors as
 * {@code torch._utils._rebuild_tensor_v2(persistent_load(('storage', torch.FloatStorage, '0', 'cpu', numel)),
 * offset, size, stride, requires_grad, OrderedDict())}. {@link #zip} packs the pickle and the storages as
 * {@code torch.save}'s zip container: {@code <archive>/data.pkl}, {@code .format_version}, {@code byteorder},
 * {@code data/<key>}, {@code version}, {@code .data/serialization_id}, all stored uncompressed.
 *
 * <p>Values: {@link Map} (a plain dict), {@link OrderedState} (an {@code OrderedDict} as {@code state_dict()}
 * returns it), {@link Tensor}, {@link View} (a strided view of a stored tensor), {@link String}, {@link Long},
 * {@link Boolean}, {@code null}, {@link List}, {@link Call} (a global applied to arguments, as a pickled
 * custom object is) and {@link Raw} (opcodes verbatim, for malformed streams).
 */
final class TorchSaveFiles {

    /** {@code collections.OrderedDict(items)}, with {@code state_dict()}'s {@code _metadata} set by BUILD if given. */
    record OrderedState(Map<String, ?> items, Map<String, ?> metadata) {
    }

    /** {@code module.name(*args)}: how pickle stores any object of a Python class. */
    record Call(String module, String name, List<?> args) {
    }

    /** A tensor over (part of) {@code base}'s storage with its own offset, size and stride (in elements). */
    record View(Tensor base, long offset, long[] size, long[] stride) {
    }

    /** Opcodes written as they are. */
    record Raw(byte[] bytes) {
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, byte[]> storages = new LinkedHashMap<>();
    private final Map<Object, Integer> memo = new HashMap<>();
    private final Map<Tensor, String> storageKeys = new HashMap<>();

    private TorchSaveFiles() {
    }

    /** The pickle of {@code root} and the storages it refers to (key → little-endian bytes). */
    record Pickled(byte[] pickle, Map<String, byte[]> storages) {
    }

    static Pickled pickle(Object root) {
        TorchSaveFiles w = new TorchSaveFiles();
        w.op(0x80).op(2);
        w.value(root);
        w.op('.');
        return new Pickled(w.out.toByteArray(), w.storages);
    }

    /** {@code torch.save(root, "<archive>.bin")}: the zip bytes. */
    static byte[] save(Object root, String archive) throws IOException {
        return zip(pickle(root), archive);
    }

    static byte[] zip(Pickled p, String archive) throws IOException {
        return zipRecords(archive, records(p));
    }

    /** The records torch.save writes for {@code p}, by name inside the archive folder, in its order (mutable). */
    static Map<String, byte[]> records(Pickled p) {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("data.pkl", p.pickle());
        records.put(".format_version", ascii("1"));
        records.put("byteorder", ascii("little"));
        p.storages().forEach((k, v) -> records.put("data/" + k, v));
        records.put("version", ascii("3\n"));
        records.put(".data/serialization_id", ascii("1234567890123456789012345678901234567890"));
        return records;
    }

    /** A zip of {@code <archive>/<name>} stored entries, in the given order. */
    static byte[] zipRecords(String archive, Map<String, byte[]> records) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(archive + "/" + r.getKey());
                CRC32 crc = new CRC32();
                crc.update(r.getValue());
                e.setMethod(ZipEntry.STORED);
                e.setSize(r.getValue().length);
                e.setCrc(crc.getValue());
                zip.putNextEntry(e);
                zip.write(r.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    // ---------------------------------------------------------------- values

    private void value(Object v) {
        if (v == null) {
            op('N');
        } else if (v instanceof Boolean b) {
            op(b ? 0x88 : 0x89);
        } else if (v instanceof Long n) {
            integer(n);
        } else if (v instanceof Integer n) {
            integer(n);
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof Tensor t) {
            tensor(t, 0, Torch.shape(t), contiguousStrides(Torch.shape(t)));
        } else if (v instanceof View view) {
            tensor(view.base(), view.offset(), view.size(), view.stride());
        } else if (v instanceof OrderedState o) {
            orderedDict(o);
        } else if (v instanceof Map<?, ?> m) {
            op('}');
            put(new Object());
            items(m);
        } else if (v instanceof List<?> l) {
            list(l);
        } else if (v instanceof Call c) {
            global(c.module(), c.name());
            tuple(c.args().toArray());
            op('R');
            put(new Object());
        } else if (v instanceof Raw r) {
            out.writeBytes(r.bytes());
        } else {
            throw new IllegalArgumentException("cannot pickle " + v.getClass());
        }
    }

    private void items(Map<?, ?> m) {
        if (m.size() == 1) {
            Map.Entry<?, ?> e = m.entrySet().iterator().next();
            value(e.getKey());
            value(e.getValue());
            op('s');
        } else if (m.size() > 1) {
            op('(');
            m.forEach((k, val) -> {
                value(k);
                value(val);
            });
            op('u');
        }
    }

    private void orderedDict(OrderedState o) {
        global("collections", "OrderedDict");
        op(')');
        op('R');
        put(new Object());
        items(o.items());
        if (o.metadata() != null) {
            op('}');
            put(new Object());
            items(Map.of("_metadata", new OrderedState(o.metadata(), null)));
            op('b');
        }
    }

    private void list(List<?> l) {
        op(']');
        put(new Object());
        if (!l.isEmpty()) {
            op('(');
            l.forEach(this::value);
            op('e');
        }
    }

    private void tensor(Tensor t, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        persistentStorage(t);
        integer(offset);
        tuple(box(size));
        tuple(box(stride));
        op(0x89);
        global("collections", "OrderedDict");
        op(')');
        op('R');
        put(new Object());
        op('t');
        put(new Object());
        op('R');
        put(new Object());
    }

    private void persistentStorage(Tensor t) {
        String key = storageKeys.computeIfAbsent(t, x -> {
            String k = Integer.toString(storages.size());
            storages.put(k, bytes(x));
            return k;
        });
        op('(');
        string("storage");
        global("torch", storageName(t));
        string(key);
        string("cpu");
        integer(t.numel());
        op('t');
        put(new Object());
        op('Q');
    }

    /** The {@code torch.<Name>Storage} class torch.save names for the tensor's element type. */
    private static String storageName(Tensor t) {
        return switch (dtypeOf(t)) {
            case F64 -> "DoubleStorage";
            case F32 -> "FloatStorage";
            case F16 -> "HalfStorage";
            case BF16 -> "BFloat16Storage";
            case I64 -> "LongStorage";
            case I32 -> "IntStorage";
            case I16 -> "ShortStorage";
            case I8 -> "CharStorage";
            case U8 -> "ByteStorage";
            case BOOL -> "BoolStorage";
        };
    }

    static DType dtypeOf(Tensor t) {
        DType d = Torch.dtype(t);
        if (d == null) {
            throw new IllegalArgumentException("no DType for scalar type " + t.scalar_type().value);
        }
        return d;
    }

    // ---------------------------------------------------------------- primitives

    private void tuple(Object[] items) {
        switch (items.length) {
            case 0 -> op(')');
            case 1, 2, 3 -> {
                for (Object o : items) {
                    value(o);
                }
                op(0x84 + items.length);
            }
            default -> {
                op('(');
                for (Object o : items) {
                    value(o);
                }
                op('t');
            }
        }
        if (items.length > 0) {
            put(new Object());
        }
    }

    private void global(String module, String name) {
        String id = "global:" + module + "." + name;
        if (get(id)) {
            return;
        }
        op('c');
        out.writeBytes(ascii(module + "\n" + name + "\n"));
        put(id);
    }

    private void string(String s) {
        if (get("str:" + s)) {
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        put("str:" + s);
    }

    private void integer(long n) {
        if (n >= 0 && n < 256) {
            op('K').op((int) n);
        } else if (n >= 0 && n < 65536) {
            op('M').op((int) (n & 0xff)).op((int) (n >> 8));
        } else if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) n).array());
        } else {
            op(0x8a).op(8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
        }
    }

    /** Memoises the object just written (BINPUT / LONG_BINPUT), as CPython does. */
    private void put(Object key) {
        int id = memo.size();
        memo.put(key, id);
        if (id < 256) {
            op('q').op(id);
        } else {
            op('r');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(id).array());
        }
    }

    /** Writes a memo reference (BINGET / LONG_BINGET) if {@code key} was written before. */
    private boolean get(Object key) {
        Integer id = memo.get(key);
        if (id == null) {
            return false;
        }
        if (id < 256) {
            op('h').op(id);
        } else {
            op('j');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(id).array());
        }
        return true;
    }

    private TorchSaveFiles op(int b) {
        out.write(b);
        return this;
    }

    private static Object[] box(long[] values) {
        Object[] o = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            o[i] = values[i];
        }
        return o;
    }

    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** {@link Torch#toBytes}, which fails on an empty tensor (it has no data pointer). */
    static byte[] bytes(Tensor t) {
        return t.numel() == 0 ? new byte[0] : Torch.toBytes(t);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
