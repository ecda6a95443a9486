package dev.xpsr.nn;

import dev.xpsr.io.TensorInfo;
import dev.xpsr.io.TorchCheckpointException;
import dev.xpsr.io.TorchPickle;
import dev.xpsr.io.TorchPickle.TensorRef;
import dev.xpsr.io.ZipNames;
import dev.xpsr.torch.NativeStartup;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The tensors of a PyTorch pickle checkpoint ({@code diffusion_pytorch_model.bin}, {@code pytorch_model.bin}), as a
 * {@link WeightSource}.
 *
 * <p><b>Format.</b> What {@code torch.save(state_dict, path)} writes since PyTorch 1.6: a zip archive (entries
 * stored, not compressed) of {@code <name>/data.pkl}, a pickle of the object whose tensors refer to storages by
 * key, {@code <name>/data/<key>} for each storage's raw little-endian bytes, {@code <name>/version} and
 * {@code <name>/byteorder}. The legacy format of older versions (one pickle stream, no zip) is refused with a
 * message: libtorch cannot read it either.
 *
 * <p><b>Accepted.</b> A dict or {@code OrderedDict} (what {@code state_dict()} returns; its {@code _metadata}
 * attribute is dropped) of string keys to tensors of a {@link dev.xpsr.io.DType} element type, or a dict whose
 * {@code "state_dict"} entry is such a dict (the wrapper of Lightning and many training scripts; the wrapper's
 * other entries, such as {@code epoch}, are ignored, but they too must be plain data, since no Python object is
 * rebuilt anywhere in the file). State dicts are flat, their keys already dotted
 * ({@code down_blocks.0.resnets.0.conv1.weight}), so a nested dict is refused rather than flattened. Everything
 * else (a list or a tensor at the top, a non-string key, an int or None value, any other Python object, a
 * damaged, truncated or non-zip file) is a {@link TorchCheckpointException} naming the file and the offending
 * key or type, suggesting conversion to safetensors. Tensors saved from a GPU load on the CPU.
 *
 * <p><b>Security.</b> Loading a pickle in Python runs whatever functions it names; loading one here runs no
 * Python code at all. The checkpoint's {@code data.pkl} is read by {@link TorchPickle}, a Java reader that knows
 * a fixed list of globals (OrderedDict, the tensor rebuild functions, the storage types) and refuses every other
 * one ({@code os.system}, {@code builtins.eval}, {@code __main__.Config}, ...) with an error. The tensors are then
 * built by libtorch's own C++ unpickler ({@code torch::pickle_load}), which cannot import Python modules either:
 * with no type resolver, which {@code pickle_load} never has, an unknown global is the error "Unpickler found
 * unknown type". But that C++ parser trusts its input: in libtorch 2.10 it checks neither a tensor's view against
 * its storage (reading such a tensor crashed the JVM) nor a storage record's size against the declared element
 * count (a heap over-read), and it turns every {@code OrderedDict} into None, so a plain {@code state_dict()}
 * checkpoint fails in it with "Expected GenericDict but got None". So the checkpoint's pickle never reaches it:
 * libtorch is given a pickle {@link dev.xpsr.io.TorchPickleWriter} wrote from the checked entries, plus the
 * checkpoint's raw storage records, whose sizes are checked against the pickle and whose CRC-32s are verified on
 * the way. Reading is bounded: the file by {@code maxBytes}, its pickle by 64 MiB.
 *
 * <p><b>Memory.</b> The tensors are held in native memory (retained) until {@link #close}, about the file's size;
 * loading adds about twice a batch of 64 MiB (or of the largest storage). {@link #data} returns a copy
 * of one tensor's bytes, which stays valid after close. Methods may be called from several threads.
 */
public final class TorchBinWeights implements WeightSource, AutoCloseable {
    /** Bound of {@link #open(Path)}: above the largest single-file SD-family checkpoints (SDXL UNet fp32, 10 GB). */
    public static final long DEFAULT_MAX_BYTES = 16L << 30;

    /** A state dict of 10,000 tensors pickles to about 3 MB; far more is not a state dict. */
    static final long MAX_PICKLE_BYTES = 64L << 20;

    private static final byte[] ZIP_MAGIC = {'P', 'K'};
    /** PROTO 2, LONG1 of 10 bytes: the magic number 0x1950a86a20f9469cfc6c that opens a legacy torch.save file. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc,
        (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path file;
    private final Map<String, TensorInfo> infos;
    private Map<String, Tensor> tensors;

    private TorchBinWeights(Path file, Map<String, TensorInfo> infos, Map<String, Tensor> tensors) {
        this.file = file;
        this.infos = Collections.unmodifiableMap(infos);
        this.tensors = tensors;
    }

    /** {@link #open(Path, long)} with {@link #DEFAULT_MAX_BYTES}. */
    public static TorchBinWeights open(Path file) throws IOException {
        return open(file, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads and checks the whole checkpoint and builds its tensors.
     *
     * @param maxBytes the largest file to read (its tensors are held in memory while open)
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws TorchCheckpointException if it is too large, damaged, or not a plain state dict of tensors
     */
    public static TorchBinWeights open(Path file, long maxBytes) throws IOException {
        return open(file, maxBytes, LibtorchPickleLoader.BATCH_BYTES);
    }

    /** {@link #open(Path, long)} handing libtorch {@code batchBytes} of storages at a time (tests use small ones). */
    static TorchBinWeights open(Path file, long maxBytes, long batchBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        NativeStartup.ensureStarted();
        long size = checkSize(file, maxBytes);
        checkSignature(file);
        try (ZipFile zip = openZip(file)) {
            String prefix = archivePrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            byte[] pickle = read(file, zip, zip.getEntry(prefix + "data.pkl"), MAX_PICKLE_BYTES);
            Object root = TorchPickle.read(pickle, file);
            Map<String, TensorRef> refs = stateDict(file, root);
            checkRecords(file, zip, prefix, refs);
            checkTotal(file, zip, prefix, refs, size, maxBytes);
            Map<String, TensorInfo> infos = infos(refs);
            return new TorchBinWeights(file, infos, LibtorchPickleLoader.load(file, zip, prefix, refs, batchBytes));
        } catch (IllegalArgumentException e) {
            if (!ZipNames.isMalformedEntryName(e)) {
                throw e;
            }
            throw new TorchCheckpointException(file, null, "a name or comment in the zip's directory is not valid text ("
                    + e.getMessage() + "); the file is damaged, re-download it", e);
        }
    }

    /** The file as given to {@link #open}. */
    public Path path() {
        return file;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /** The state-dict keys in file order. */
    @Override
    public Set<String> keys() {
        return infos.keySet();
    }

    /** Element type and shape; {@code begin}/{@code end} span the tensor's contiguous bytes, 0 to nbytes. */
    @Override
    public TensorInfo info(String key) {
        TensorInfo info = infos.get(key);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no tensor \"" + key + "\" (the checkpoint has "
                    + infos.size() + " tensors); check the key or that this is the right checkpoint");
        }
        return info;
    }

    /** A copy of the tensor's elements, contiguous (row-major) and little-endian, in a direct buffer. */
    @Override
    public synchronized ByteBuffer data(String key) {
        long n = info(key).byteLength();
        if (tensors == null) {
            throw new IllegalStateException(file + " is closed");
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalStateException(file + ": tensor \"" + key + "\" has " + n + " bytes, more than one"
                    + " buffer holds; convert the checkpoint to safetensors");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) n).order(ByteOrder.LITTLE_ENDIAN);
        if (n == 0) {
            return out; // an empty tensor may have no data pointer at all
        }
        try (PointerScope scope = new PointerScope()) {
            Torch.copyBytes(tensors.get(key), out);
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + ": copying tensor \"" + key + "\" failed: " + e.getMessage(), e);
        }
        return out.flip();
    }

    /** Releases the tensors; later {@link #data} calls fail. Idempotent. */
    @Override
    public synchronized void close() {
        if (tensors != null) {
            LibtorchPickleLoader.release(tensors.values());
            tensors = null;
        }
    }

    // ---------------------------------------------------------------- the container

    private static long checkSize(Path file, long maxBytes) throws IOException {
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new TorchCheckpointException(file, null, "the file is " + size + " bytes, more than the bound of "
                    + maxBytes + " bytes; its tensors are held in memory while it is open, so pass a larger"
                    + " bound to TorchBinWeights.open if the machine has the memory, or "
                    + TorchCheckpointException.CONVERT + " (safetensors files are memory-mapped)");
        }
        return size;
    }

    /** Names what the file is when it is not a zip, before the zip reader gives a vaguer message. */
    private static void checkSignature(Path file) throws IOException {
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (startsWith(head, n, ZIP_MAGIC)) {
            return;
        }
        if (n == 0) {
            throw new TorchCheckpointException(file, null, "the file is empty; re-download it");
        }
        if (startsWith(head, n, LEGACY_MAGIC)) {
            throw new TorchCheckpointException(file, null, "this is the legacy torch.save format (PyTorch before"
                    + " 1.6, or _use_new_zipfile_serialization=False), which neither this loader nor libtorch reads;"
                    + " re-save it with a current PyTorch (torch.save(torch.load(path), new_path)) or "
                    + TorchCheckpointException.CONVERT);
        }
        String hint = n > 9 && head[8] == '{' && head[9] == '"'
                ? " (it looks like a safetensors file: load it as one)" : "";
        throw new TorchCheckpointException(file, null, "not a torch.save checkpoint: it does not start like a zip"
                + " archive (first bytes " + HexFormat.ofDelimiter(" ").formatHex(head, 0, Math.min(n, 8)) + ")"
                + hint + "; the file is damaged or of another kind");
    }

    private static boolean startsWith(byte[] head, int n, byte[] magic) {
        if (n < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static ZipFile openZip(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new TorchCheckpointException(file, null, "not a readable zip archive (" + e
                    + "); the file is truncated or damaged, re-download it", e);
        }
    }

    /** The archive folder: {@code <name>/} of the one {@code <name>/data.pkl}. */
    private static String archivePrefix(Path file, ZipFile zip) throws TorchCheckpointException {
        List<String> found = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9)
                .forEach(found::add);
        if (found.size() != 1) {
            throw new TorchCheckpointException(file, null, "the zip holds " + (found.isEmpty() ? "no" : found.size())
                    + " <name>/data.pkl entries, where a torch.save checkpoint has one; this is not a torch.save"
                    + " state dict");
        }
        return found.get(0).substring(0, found.get(0).length() - "data.pkl".length());
    }

    private static void checkByteOrder(Path file, ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry == null) {
            return; // written since PyTorch 1.11; older files come from little-endian machines
        }
        String order = new String(read(file, zip, entry, 16), StandardCharsets.US_ASCII);
        if (!order.equals("little")) {
            throw new TorchCheckpointException(file, null, "the tensors are stored in \"" + order + "\" byte order;"
                    + " only little-endian checkpoints are supported; " + TorchCheckpointException.CONVERT);
        }
    }

    private static byte[] read(Path file, ZipFile zip, ZipEntry entry, long maxBytes) throws IOException {
        if (entry.getSize() < 0 || entry.getSize() > maxBytes) {
            throw new TorchCheckpointException(file, null, "entry " + entry.getName() + " has "
                    + entry.getSize() + " bytes, more than the " + maxBytes + " it can have in a state dict");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) entry.getSize());
            if (bytes.length != entry.getSize()) {
                throw new EOFException(bytes.length + " of " + entry.getSize() + " bytes");
            }
            // the zip reader checks no CRC-32 of stored entries (nor does libtorch's); damage must not parse
            CRC32 crc = new CRC32();
            crc.update(bytes);
            if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
                throw new ZipException("CRC-32 mismatch");
            }
            return bytes;
        } catch (IOException e) {
            throw new TorchCheckpointException(file, null, "entry " + entry.getName() + " cannot be read ("
                    + e + "); the file is truncated or damaged, re-download it", e);
        }
    }

    // ---------------------------------------------------------------- the state dict

    /** The tensors of {@code root}, which must be a flat dict of string → tensor or wrap one as "state_dict". */
    private static Map<String, TensorRef> stateDict(Path file, Object root) throws TorchCheckpointException {
        if (!(root instanceof Map<?, ?> top)) {
            throw new TorchCheckpointException(file, null, "the checkpoint holds " + TorchPickle.describe(root)
                    + ", not a dict of tensors; only state dicts of tensors are supported; "
                    + TorchCheckpointException.CONVERT);
        }
        Map<?, ?> dict = top.get("state_dict") instanceof Map<?, ?> wrapped ? wrapped : top;
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new TorchCheckpointException(file, null, "key " + e.getKey() + " is "
                        + TorchPickle.describe(e.getKey()) + ", not a string; only state dicts of tensors (string"
                        + " keys) are supported; " + TorchCheckpointException.CONVERT);
            }
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw new TorchCheckpointException(file, key, "the value is " + TorchPickle.describe(e.getValue())
                        + (e.getValue() instanceof Map<?, ?> ? " (a nested dict: state dicts are flat, with dotted"
                        + " keys)" : "") + ", not a tensor; only state dicts of tensors are supported; "
                        + TorchCheckpointException.CONVERT);
            }
            out.put(key, ref);
        }
        return out;
    }

    /** Every view lies inside its storage and every storage record has exactly the declared bytes. */
    private static void checkRecords(Path file, ZipFile zip, String prefix, Map<String, TensorRef> refs)
            throws TorchCheckpointException {
        for (Map.Entry<String, TensorRef> e : refs.entrySet()) {
            TensorRef ref = e.getValue();
            String problem = ref.problem();
            if (problem != null) {
                throw new TorchCheckpointException(file, e.getKey(), problem + "; the file is damaged");
            }
            String record = prefix + "data/" + ref.storage().key();
            ZipEntry entry = zip.getEntry(record);
            if (entry == null) {
                throw new TorchCheckpointException(file, e.getKey(), "its storage record " + record + " is missing;"
                        + " the file is truncated or damaged, re-download it");
            }
            if (entry.getSize() != ref.storage().byteLength()) {
                throw new TorchCheckpointException(file, e.getKey(), "storage record " + record + " holds "
                        + entry.getSize() + " bytes where the pickle declares " + ref.storage().numel() + " "
                        + ref.dtype().code() + " elements (" + ref.storage().byteLength() + " bytes); the file is"
                        + " damaged, re-download it");
            }
        }
    }

    /**
     * The sizes come from the zip's directory, which a damaged file can inflate; they are checked before any
     * buffer of that size is allocated: a stored record fits in the file, and all fit in {@code maxBytes}.
     */
    private static void checkTotal(Path file, ZipFile zip, String prefix, Map<String, TensorRef> refs, long fileSize,
            long maxBytes) throws TorchCheckpointException {
        Map<String, Long> bytes = new LinkedHashMap<>();
        refs.values().forEach(r -> bytes.put(r.storage().key(), r.storage().byteLength()));
        long total = 0;
        for (Map.Entry<String, Long> e : bytes.entrySet()) {
            ZipEntry entry = zip.getEntry(prefix + "data/" + e.getKey());
            if (entry.getMethod() == ZipEntry.STORED && e.getValue() > fileSize) {
                throw new TorchCheckpointException(file, null, "storage record " + entry.getName() + " claims "
                        + e.getValue() + " bytes in a file of " + fileSize + "; the file is damaged, re-download it");
            }
            if (e.getValue() > maxBytes - total) {
                throw new TorchCheckpointException(file, null, "the tensors take more than the bound of " + maxBytes
                        + " bytes; pass a larger bound to TorchBinWeights.open if the machine has the memory, or "
                        + TorchCheckpointException.CONVERT);
            }
            total += e.getValue();
        }
    }

    private static Map<String, TensorInfo> infos(Map<String, TensorRef> refs) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        refs.forEach((key, ref) -> {
            long bytes = Math.multiplyExact(numel(ref.size()), (long) ref.dtype().byteSize());
            infos.put(key, new TensorInfo(key, ref.dtype(), ref.size(), 0, bytes));
        });
        return infos;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
