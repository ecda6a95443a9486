package dev.xpsr.io;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A restricted reader for the pickle of a {@code torch.save} checkpoint (its {@code data.pkl}), which runs no
 * code: it knows a fixed handful of Python globals and refuses every other one.
 *
 * <p>What a state dict needs, and all that is accepted: pickle protocols 2 to 5 (torch.save writes 2), the
 * opcodes for None, bools, ints, floats, strings, tuples, lists and dicts, the memo, and these globals:
 * <ul>
 *   <li>{@code collections.OrderedDict}, called with no arguments (what {@code state_dict()} returns); a
 *       BUILD on it (its {@code _metadata} attribute, the per-module version numbers) is read and dropped;</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2}, {@code torch._utils._rebuild_parameter}: a tensor;</li>
 *   <li>{@code torch.<Type>Storage} for the element types of {@link DType}, inside the persistent id
 *       {@code ('storage', torch.FloatStorage, '<key>', '<location>', numel)} that names the storage record
 *       {@code data/<key>} of the zip;</li>
 *   <li>{@code torch.jit._pickle.restore_type_tag}, the container wrapper libtorch's own {@code pickle_save}
 *       writes, which returns its argument.</li>
 * </ul>
 * Anything else (another global, {@code NEWOBJ}, a BUILD on anything but a dict, protocol-0 text opcodes,
 * bytes, protocol 5's out-of-band buffers) is a {@link TorchCheckpointException} naming it: a checkpoint that
 * pickles Python objects of other classes is not a plain state dict, and Python would have to run their code
 * to rebuild them.
 *
 * <p>The result is plain Java: {@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@link #NONE},
 * {@link Tuple}, {@link List}, {@link Map} (insertion ordered; keys are strings, ints, floats, bools or None),
 * {@link TensorRef}. Tensors are described, not
 * built: their bytes stay in the zip. Every read is bounds checked, so a hostile or truncated pickle ends in
 * the exception, never in an out-of-range access; the reader does not recurse, so no nesting depth overflows
 * the Java stack, and it prints no values (which may contain themselves) into its messages.
 */
public final class TorchPickle {

    /** Python's {@code None}. */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = List.copyOf(items);
        }
    }

    /**
     * One storage record of the zip, as named by a persistent id: {@code data/<key>} holds {@code numel}
     * elements of {@code dtype}; {@code location} is the device it was saved from ({@code cpu}, {@code cuda:0}).
     */
    public record StorageRef(String key, DType dtype, long numel, String location) {
        /** Bytes the record must hold. */
        public long byteLength() {
            return Math.multiplyExact(numel, (long) dtype.byteSize());
        }
    }

    /**
     * A tensor as {@code _rebuild_tensor_v2} describes it: a strided view, in elements, of a storage.
     * {@link #problem()} says whether the view is well formed and inside its storage.
     */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        public TensorRef {
            size = size.clone();
            stride = stride.clone();
        }

        @Override
        public long[] size() {
            return size.clone();
        }

        @Override
        public long[] stride() {
            return stride.clone();
        }

        public DType dtype() {
            return storage.dtype();
        }

        /** Null when the view is valid; otherwise what is wrong, for a message. */
        public String problem() {
            if (size.length != stride.length) {
                return "size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride) + " differ in rank";
            }
            if (offset < 0 || Arrays.stream(size).anyMatch(d -> d < 0) || Arrays.stream(stride).anyMatch(s -> s < 0)) {
                return "negative offset, size or stride (" + offset + ", " + Arrays.toString(size) + ", "
                        + Arrays.toString(stride) + ")";
            }
            try {
                // the tensor's own bytes must be countable, even when stride 0 repeats few stored elements
                if (Math.multiplyExact(Shapes.numel(size), (long) dtype().byteSize()) == 0) {
                    return null;
                }
                long last = offset;
                for (int i = 0; i < size.length; i++) {
                    last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                }
                return last < storage.numel() ? null : "the view (offset " + offset + ", size " + Arrays.toString(size)
                        + ", stride " + Arrays.toString(stride) + ") reaches element " + last + " of storage \""
                        + storage.key() + "\", which has " + storage.numel();
            } catch (ArithmeticException e) {
                return "size " + Arrays.toString(size) + " overflows";
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorRef t && storage.equals(t.storage) && offset == t.offset
                    && Arrays.equals(size, t.size) && Arrays.equals(stride, t.stride);
        }

        @Override
        public int hashCode() {
            return Objects.hash(storage, offset, Arrays.hashCode(size), Arrays.hashCode(stride));
        }

        @Override
        public String toString() {
            return dtype().code() + Arrays.toString(size) + " @" + storage.key() + "+" + offset;
        }
    }

    /** The callable globals this reader knows. */
    private enum Callable { ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, RESTORE_TYPE_TAG }

    /** {@code torch.<Name>Storage}: a storage class standing for its element type. */
    private record StorageType(DType dtype) {
    }

    /** The storage class names of torch.save, by element type. */
    static final Map<DType, String> STORAGE_NAMES = storageNames();

    private final ByteBuffer in;
    private final Path file;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, StorageRef> storages = new HashMap<>();

    private TorchPickle(byte[] pickle, Path file) {
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.file = file;
    }

    /**
     * Reads a whole pickle.
     *
     * @param file the checkpoint, named in errors
     * @throws TorchCheckpointException if the pickle is malformed, truncated, or refers to anything not listed above
     */
    public static Object read(byte[] pickle, Path file) throws TorchCheckpointException {
        TorchPickle reader = new TorchPickle(pickle, file);
        try {
            return reader.run();
        } catch (BufferUnderflowException e) {
            throw reader.error("the pickle ends in the middle of an instruction; the file is truncated or damaged,"
                    + " re-download it", e);
        } catch (RuntimeException e) {
            throw reader.error("the pickle is malformed (" + e.getMessage() + "); the file is damaged, re-download"
                    + " it", e);
        }
    }

    /** The type of a value this reader returns with its article ("an int", "a list"), or "None", for messages. */
    public static String describe(Object v) {
        if (v == NONE) {
            return "None";
        }
        String name = typeName(v);
        return ("aeiou".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name;
    }

    /** Python's name for the type of a value this reader returns, for messages. */
    public static String typeName(Object v) {
        if (v == NONE) {
            return "NoneType";
        }
        Class<?>[] types = {String.class, Long.class, Double.class, Boolean.class, Tuple.class, List.class, Map.class,
            TensorRef.class, StorageRef.class};
        String[] names = {"str", "int", "float", "bool", "tuple", "list", "dict", "Tensor", "storage"};
        for (int i = 0; i < types.length; i++) {
            if (types[i].isInstance(v)) {
                return names[i];
            }
        }
        return "Python global";
    }

    // ---------------------------------------------------------------- the machine

    private Object run() throws TorchCheckpointException {
        while (true) {
            int at = in.position();
            int op = in.get() & 0xff;
            if (op == '.') {
                if (stack.size() != 1 || !marks.isEmpty()) {
                    throw error("the pickle stops with " + stack.size() + " values on its stack; the file is damaged",
                            null);
                }
                return stack.get(0);
            }
            step(op, at);
        }
    }

    private void step(int op, int at) throws TorchCheckpointException {
        switch (op) {
            case 0x80 -> protocol(in.get() & 0xff);
            case 0x95 -> in.getLong(); // FRAME: the length of a read-ahead block, nothing to do
            case '(' -> marks.push(stack.size());
            case '0' -> pop();
            case '1' -> popMark();
            case 'N' -> push(NONE);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'K' -> push((long) (in.get() & 0xff));
            case 'M' -> push((long) (in.getShort() & 0xffff));
            case 'J' -> push((long) in.getInt());
            case 0x8a -> push(long1());
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian in pickles
            case 'X' -> push(utf8(Integer.toUnsignedLong(in.getInt())));
            case 0x8c -> push(utf8(in.get() & 0xff));
            case 0x8d -> push(utf8(in.getLong()));
            case ']' -> push(new ArrayList<>());
            case 'l' -> push(new ArrayList<>(popMark()));
            case 'a' -> append(List.of(pop()));
            case 'e' -> append(popMark());
            case ')' -> push(new Tuple(List.of()));
            case 't' -> push(new Tuple(popMark()));
            case 0x85, 0x86, 0x87 -> push(new Tuple(popN(op - 0x84)));
            case '}' -> push(new LinkedHashMap<>());
            case 'd' -> push(setItems(new LinkedHashMap<>(), popMark()));
            case 's' -> setItem();
            case 'u' -> setItems();
            case 'c' -> push(global(line(), line()));
            case 0x93 -> stackGlobal();
            case 'R' -> reduce();
            case 'b' -> build();
            case 'Q' -> push(persistentLoad(pop()));
            case 'h' -> push(memoGet(in.get() & 0xff));
            case 'j' -> push(memoGet(Integer.toUnsignedLong(in.getInt())));
            case 'q' -> memo.put((long) (in.get() & 0xff), top());
            case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), top());
            case 0x94 -> memo.put((long) memo.size(), top());
            default -> throw error(String.format("unsupported pickle opcode 0x%02x at byte %d: this is not a plain"
                    + " state dict saved by torch.save; %s", op, at, TorchCheckpointException.CONVERT), null);
        }
    }

    private void protocol(int version) throws TorchCheckpointException {
        if (version < 2 || version > 5) {
            throw error("pickle protocol " + version + " (torch.save writes 2); " + TorchCheckpointException.CONVERT,
                    null);
        }
    }

    private long long1() throws TorchCheckpointException {
        int n = in.get() & 0xff;
        if (n > 8) {
            throw error("an integer of " + n + " bytes does not fit in 64 bits; the file is damaged", null);
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (in.get() & 0xffL) << (8 * i);
        }
        // two's complement of n bytes: sign-extend from the top bit of the last byte
        return n == 0 || n == 8 ? v : (v << (64 - 8 * n)) >> (64 - 8 * n);
    }

    private String utf8(long length) throws TorchCheckpointException {
        if (length < 0 || length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("a string is not valid UTF-8; the file is damaged", e);
        }
    }

    /** A newline-terminated ASCII name (GLOBAL's module and name). */
    private String line() throws TorchCheckpointException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.get() & 0xff; c != '\n'; c = in.get() & 0xff) {
            if (c < 0x20 || c > 0x7e || sb.length() > 200) {
                throw error("a global's name is not a Python identifier; the file is damaged", null);
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    private void stackGlobal() throws TorchCheckpointException {
        Object name = pop();
        Object module = pop();
        if (!(module instanceof String m) || !(name instanceof String n)) {
            throw error("STACK_GLOBAL needs two strings, found " + typeName(module) + " and " + typeName(name), null);
        }
        push(global(m, n));
    }

    private Object global(String module, String name) throws TorchCheckpointException {
        String qualified = module + "." + name;
        switch (qualified) {
            case "collections.OrderedDict":
                return Callable.ORDERED_DICT;
            case "torch._utils._rebuild_tensor_v2":
                return Callable.REBUILD_TENSOR;
            case "torch._utils._rebuild_parameter":
                return Callable.REBUILD_PARAMETER;
            case "torch.jit._pickle.restore_type_tag":
                return Callable.RESTORE_TYPE_TAG;
            default:
                break;
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            for (Map.Entry<DType, String> e : STORAGE_NAMES.entrySet()) {
                if (e.getValue().equals(name)) {
                    return new StorageType(e.getKey());
                }
            }
            throw error("tensors of storage type torch." + name + " are not supported (supported: "
                    + String.join(", ", STORAGE_NAMES.values()) + ")", null);
        }
        throw error("the pickle refers to the Python global " + qualified + ", which is not part of a plain state"
                + " dict of tensors (only state dicts of tensors are supported, and no Python code is run to rebuild"
                + " other objects); " + TorchCheckpointException.CONVERT, null);
    }

    private void reduce() throws TorchCheckpointException {
        Object args = pop();
        Object callable = pop();
        if (!(callable instanceof Callable c)) {
            throw error("REDUCE applies " + describe(callable) + ", not a known function; the file is damaged", null);
        }
        if (!(args instanceof Tuple t)) {
            throw error("REDUCE with " + typeName(args) + " arguments instead of a tuple; the file is damaged", null);
        }
        push(call(c, t.items()));
    }

    private Object call(Callable c, List<Object> args) throws TorchCheckpointException {
        return switch (c) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) {
                    throw error("OrderedDict called with arguments, which torch.save does not write", null);
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR -> rebuildTensor(args);
            case REBUILD_PARAMETER -> {
                expectArgs("_rebuild_parameter", args, 3, 3);
                yield expect(TensorRef.class, args.get(0), "_rebuild_parameter's data");
            }
            case RESTORE_TYPE_TAG -> {
                expectArgs("restore_type_tag", args, 2, 2);
                yield args.get(0);
            }
        };
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private TensorRef rebuildTensor(List<Object> args) throws TorchCheckpointException {
        expectArgs("_rebuild_tensor_v2", args, 6, 7);
        StorageRef storage = expect(StorageRef.class, args.get(0), "a tensor's storage");
        long offset = expect(Long.class, args.get(1), "a tensor's storage offset");
        long[] size = longs(args.get(2), "a tensor's size");
        long[] stride = longs(args.get(3), "a tensor's stride");
        expect(Boolean.class, args.get(4), "a tensor's requires_grad");
        if (args.size() == 7 && !(args.get(6) instanceof Map<?, ?> m && m.isEmpty())) {
            // conjugate / negative bits: a lazily transformed view whose bytes are not its values
            throw error("a tensor carries metadata (a conjugate or negative view), which is not"
                    + " supported; " + TorchCheckpointException.CONVERT, null);
        }
        return new TensorRef(storage, offset, size, stride);
    }

    /** {@code ('storage', torch.FloatStorage, '<key>', '<location>', numel)}. */
    private StorageRef persistentLoad(Object pid) throws TorchCheckpointException {
        List<Object> t = expect(Tuple.class, pid, "a persistent id").items();
        if (t.size() != 5 || !"storage".equals(t.get(0))) {
            throw error("a persistent id of " + t.size() + " items is not ('storage', type, key, location, numel)",
                    null);
        }
        DType dtype = expect(StorageType.class, t.get(1), "a storage's type").dtype();
        String key = expect(String.class, t.get(2), "a storage's key");
        String location = expect(String.class, t.get(3), "a storage's location");
        long numel = expect(Long.class, t.get(4), "a storage's size");
        if (numel < 0 || numel > Long.MAX_VALUE / dtype.byteSize() || key.isEmpty() || key.length() > 200
                || !key.matches("[A-Za-z0-9_.-]+") || key.contains("..")) {
            throw error("storage \"" + key + "\" of " + numel + " elements is not a valid storage record name and"
                    + " size; the file is damaged", null);
        }
        StorageRef ref = new StorageRef(key, dtype, numel, location);
        StorageRef seen = storages.putIfAbsent(key, ref);
        if (seen != null && (seen.dtype() != dtype || seen.numel() != numel)) {
            throw error("storage \"" + key + "\" is referred to as " + seen.dtype().code() + "×" + seen.numel()
                    + " and as " + dtype.code() + "×" + numel + "; the file is damaged", null);
        }
        return seen != null ? seen : ref;
    }

    /** BUILD: only an OrderedDict's attributes (state_dict's {@code _metadata}), which weights do not need. */
    private void build() throws TorchCheckpointException {
        Object state = pop();
        Object target = top();
        if (!(target instanceof Map<?, ?>) || !(state instanceof Map<?, ?>)) {
            throw error("BUILD sets the state of " + describe(target) + " from " + describe(state) + "; only an"
                    + " OrderedDict's attributes are expected in a state dict", null);
        }
    }

    // ---------------------------------------------------------------- containers

    /** APPEND / APPENDS: {@code items} are already off the stack, the list is now on top. */
    private void append(List<Object> items) throws TorchCheckpointException {
        @SuppressWarnings("unchecked")
        List<Object> list = expect(List.class, top(), "APPEND's target");
        list.addAll(items);
    }

    private void setItem() throws TorchCheckpointException {
        List<Object> pair = popN(2);
        setItems(top(), pair);
    }

    private void setItems() throws TorchCheckpointException {
        List<Object> items = popMark();
        setItems(top(), items);
    }

    private Map<Object, Object> setItems(Object target, List<Object> items) throws TorchCheckpointException {
        @SuppressWarnings("unchecked")
        Map<Object, Object> dict = expect(Map.class, target, "SETITEMS' target");
        if (items.size() % 2 != 0) {
            throw error("a dict is given " + items.size() + " values, not key-value pairs; the file is damaged", null);
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object key = items.get(i);
            // keys are compared and hashed: only flat values, so that no key can nest deeply or contain itself
            if (!(key instanceof String || key instanceof Long || key instanceof Double || key instanceof Boolean
                    || key == NONE)) {
                throw error("a dict key is " + describe(key) + "; state dicts have string keys", null);
            }
            dict.put(key, items.get(i + 1));
        }
        return dict;
    }

    private Object memoGet(long id) throws TorchCheckpointException {
        Object v = memo.get(id);
        if (v == null) {
            throw error("the pickle refers to memo entry " + id + " before storing it; the file is damaged", null);
        }
        return v;
    }

    // ---------------------------------------------------------------- stack

    private void push(Object v) {
        stack.add(v);
    }

    private Object pop() throws TorchCheckpointException {
        if (stack.size() <= floor()) {
            throw error("the pickle takes more values than it pushed; the file is damaged", null);
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top() throws TorchCheckpointException {
        if (stack.size() <= floor()) {
            throw error("the pickle uses a value it never pushed; the file is damaged", null);
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) throws TorchCheckpointException {
        if (stack.size() - n < floor()) {
            throw error("the pickle takes more values than it pushed; the file is damaged", null);
        }
        List<Object> tail = stack.subList(stack.size() - n, stack.size());
        List<Object> out = new ArrayList<>(tail);
        tail.clear();
        return out;
    }

    private List<Object> popMark() throws TorchCheckpointException {
        if (marks.isEmpty()) {
            throw error("the pickle closes a MARK it never opened; the file is damaged", null);
        }
        int start = marks.pop();
        List<Object> tail = stack.subList(start, stack.size());
        List<Object> out = new ArrayList<>(tail);
        tail.clear();
        return out;
    }

    /** Values below the innermost MARK belong to an enclosing instruction and may not be consumed. */
    private int floor() {
        return marks.isEmpty() ? 0 : marks.peek();
    }

    // ---------------------------------------------------------------- checks

    private <T> T expect(Class<T> type, Object v, String what) throws TorchCheckpointException {
        if (!type.isInstance(v)) {
            throw error(what + " is " + describe(v) + " where torch.save writes a " + type.getSimpleName()
                    + "; the file is damaged or not a state dict", null);
        }
        return type.cast(v);
    }

    private void expectArgs(String function, List<Object> args, int min, int max) throws TorchCheckpointException {
        if (args.size() < min || args.size() > max) {
            throw error(function + " called with " + args.size() + " arguments; the file is damaged", null);
        }
    }

    private long[] longs(Object v, String what) throws TorchCheckpointException {
        List<Object> items = expect(Tuple.class, v, what).items();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = expect(Long.class, items.get(i), what);
        }
        return out;
    }

    private TorchCheckpointException error(String problem, Throwable cause) {
        return new TorchCheckpointException(file, null, "data.pkl at byte " + in.position() + ": " + problem, cause);
    }

    private static Map<DType, String> storageNames() {
        Map<DType, String> m = new LinkedHashMap<>();
        m.put(DType.F64, "DoubleStorage");
        m.put(DType.F32, "FloatStorage");
        m.put(DType.F16, "HalfStorage");
        m.put(DType.BF16, "BFloat16Storage");
        m.put(DType.I64, "LongStorage");
        m.put(DType.I32, "IntStorage");
        m.put(DType.I16, "ShortStorage");
        m.put(DType.I8, "CharStorage");
        m.put(DType.U8, "ByteStorage");
        m.put(DType.BOOL, "BoolStorage");
        return Collections.unmodifiableMap(m);
    }
}
