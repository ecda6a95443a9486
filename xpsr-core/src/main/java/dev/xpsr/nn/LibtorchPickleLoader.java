package dev.xpsr.nn;

import dev.xpsr.io.DType;
import dev.xpsr.io.TorchCheckpointException;
import dev.xpsr.io.TorchPickle.StorageRef;
import dev.xpsr.io.TorchPickle.TensorRef;
import dev.xpsr.io.TorchPickleWriter;
import dev.xpsr.torch.LibtorchUnpickler;
import dev.xpsr.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Builds a checkpoint's tensors with libtorch's {@code torch::pickle_load} ({@link LibtorchUnpickler}): for each
 * batch of storages, a {@code torch.save}-layout zip is assembled in native memory from a pickle
 * {@link TorchPickleWriter} wrote and the checkpoint's own storage records, and handed to {@code pickle_load}.
 *
 * <p>Batches keep the peak memory near the size of the tensors plus two batches ({@code pickle_load} needs the
 * whole zip as one {@code std::vector<char>} and copies each record out of it). Every record is copied through
 * {@link ZipOutputStream}, which checks its CRC-32 against the checkpoint's zip directory: libtorch's zip reader
 * does not, and would load a damaged record silently.
 */
final class LibtorchPickleLoader {
    /** Storage bytes per {@code pickle_load} call (a larger storage gets a call of its own). */
    static final long BATCH_BYTES = 64L << 20;

    private static final String ARCHIVE = "archive/";

    private LibtorchPickleLoader() {
    }

    /**
     * The tensors of {@code refs}, each retained ({@link Tensor#retainReference()}), in {@code refs}' order.
     *
     * @param prefix the checkpoint's archive folder, e.g. {@code "diffusion_pytorch_model/"}; every storage
     *               record {@code prefix + "data/" + key} exists with the size its {@link StorageRef} declares
     * @param batchBytes storage bytes per {@code pickle_load} call, {@link #BATCH_BYTES} but in tests
     */
    static Map<String, Tensor> load(Path file, ZipFile zip, String prefix, Map<String, TensorRef> refs,
            long batchBytes) throws IOException {
        Map<String, Tensor> loaded = new HashMap<>();
        try {
            for (Map<String, TensorRef> batch : batches(refs, batchBytes)) {
                loadBatch(file, zip, prefix, batch, loaded);
            }
        } catch (IOException | RuntimeException | Error e) {
            release(loaded.values());
            throw e;
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        refs.keySet().forEach(k -> ordered.put(k, loaded.get(k)));
        return ordered;
    }

    /** Releases tensors returned by {@link #load}. */
    static void release(Collection<Tensor> tensors) {
        tensors.forEach(Tensor::releaseReference);
    }

    /** Consecutive groups of entries of about {@code batchBytes}; entries sharing a storage stay together. */
    static List<Map<String, TensorRef>> batches(Map<String, TensorRef> refs, long batchBytes) {
        Map<String, Map<String, TensorRef>> byStorage = new LinkedHashMap<>();
        refs.forEach((k, r) -> byStorage.computeIfAbsent(r.storage().key(), s -> new LinkedHashMap<>()).put(k, r));
        List<Map<String, TensorRef>> out = new ArrayList<>();
        Map<String, TensorRef> current = new LinkedHashMap<>();
        long bytes = 0;
        for (Map<String, TensorRef> group : byStorage.values()) {
            current.putAll(group);
            bytes += group.values().iterator().next().storage().byteLength();
            if (bytes >= batchBytes) {
                out.add(current);
                current = new LinkedHashMap<>();
                bytes = 0;
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static void loadBatch(Path file, ZipFile zip, String prefix, Map<String, TensorRef> batch,
            Map<String, Tensor> loaded) throws IOException {
        Map<String, StorageRef> storages = new LinkedHashMap<>();
        batch.values().forEach(r -> storages.putIfAbsent(r.storage().key(), r.storage()));
        // the scope frees the zip buffer and every temporary; the retained tensors outlive it
        try (PointerScope scope = new PointerScope()) {
            byte[] pickle = TorchPickleWriter.tensorList(batch.values());
            List<Tensor> tensors = LibtorchUnpickler.tensorList(archiveBound(pickle, storages.values()),
                    out -> writeArchive(out, file, zip, prefix, pickle, storages.values()));
            if (tensors.size() != batch.size()) {
                throw new TorchCheckpointException(file, null, "libtorch returned " + tensors.size()
                        + " tensors for the list of " + batch.size() + " tensors it was given");
            }
            int i = 0;
            for (Map.Entry<String, TensorRef> e : batch.entrySet()) {
                Tensor t = tensors.get(i++);
                check(file, e.getKey(), e.getValue(), t);
                t.retainReference();
                loaded.put(e.getKey(), t);
            }
        } catch (RuntimeException e) {
            throw new TorchCheckpointException(file, null, "libtorch could not rebuild the tensors: "
                    + firstLine(e), e);
        }
    }

    /** libtorch built what the pickle said; a difference would mean the two readers disagree. */
    private static void check(Path file, String key, TensorRef ref, Tensor t) throws TorchCheckpointException {
        long[] stride = new long[(int) t.dim()];
        Arrays.setAll(stride, i -> t.stride(i));
        boolean same = Torch.dtype(t) == ref.dtype() && Arrays.equals(Torch.shape(t), ref.size())
                && Arrays.equals(stride, ref.stride()) && t.storage_offset() == ref.offset() && t.is_cpu();
        if (!same) {
            throw new TorchCheckpointException(file, key, "libtorch rebuilt it as " + Torch.dtype(t)
                    + Arrays.toString(Torch.shape(t)) + " instead of " + ref);
        }
    }

    // ---------------------------------------------------------------- the archive

    /** Room for the archive: stored entries cost their bytes plus a local header and a directory entry each. */
    private static long archiveBound(byte[] pickle, Collection<StorageRef> storages) {
        long bound = pickle.length + 4096L;
        for (StorageRef s : storages) {
            bound += s.byteLength() + 2L * (ARCHIVE.length() + 5 + s.key().length()) + 256;
        }
        return bound;
    }

    private static void writeArchive(OutputStream out, Path file, ZipFile zip, String prefix, byte[] pickle,
            Collection<StorageRef> storages) throws IOException {
        try (ZipOutputStream zos = new ZipOutputStream(out)) {
            stored(zos, ARCHIVE + "data.pkl", pickle);
            stored(zos, ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[1 << 20];
            for (StorageRef s : storages) {
                copyRecord(file, zos, zip, prefix, s, buffer);
            }
        }
    }

    private static void stored(ZipOutputStream zos, String name, byte[] data) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(data);
        zos.putNextEntry(storedEntry(name, data.length, crc.getValue()));
        zos.write(data);
        zos.closeEntry();
    }

    private static void copyRecord(Path file, ZipOutputStream zos, ZipFile zip, String prefix, StorageRef s,
            byte[] buffer) throws IOException {
        ZipEntry src = zip.getEntry(prefix + "data/" + s.key());
        zos.putNextEntry(storedEntry(ARCHIVE + "data/" + s.key(), src.getSize(), src.getCrc()));
        try (InputStream in = zip.getInputStream(src)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                zos.write(buffer, 0, n);
            }
            zos.closeEntry(); // checks the bytes against the CRC-32 of the checkpoint's zip directory
        } catch (IOException e) {
            throw new TorchCheckpointException(file, null, "storage record " + prefix + "data/" + s.key()
                    + " cannot be read or is damaged (" + e + "); the file is truncated or damaged, re-download it", e);
        }
    }

    private static ZipEntry storedEntry(String name, long size, long crc) {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        e.setCrc(crc);
        return e;
    }

    private static String firstLine(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
