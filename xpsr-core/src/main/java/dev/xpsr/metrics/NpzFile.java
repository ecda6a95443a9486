package dev.xpsr.metrics;

import dev.xpsr.io.ZipNames;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A NumPy {@code .npz} archive (a zip of {@code .npy} arrays, stored or deflated) read into float64 arrays.
 *
 * <p>Each {@code .npy} member: magic {@code \x93NUMPY}, version byte pair, header length (2 bytes little-endian
 * for version 1, 4 for versions 2 and 3), an ASCII Python-dict header with {@code descr}, {@code fortran_order}
 * and {@code shape}, then the raw data. Little- and big-endian float64/float32 and integer arrays are
 * supported; Fortran-ordered arrays are transposed to row-major.
 */
public final class NpzFile {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([fiu])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** One array: its row-major shape and values widened to double. */
    public record Array(long[] shape, double[] values) {
        public Array {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Values as rows of a 2-D array ({@code shape = (rows, cols)}). */
        public double[][] matrix() {
            if (shape.length != 2) {
                throw new IllegalStateException("array of shape " + Arrays.toString(shape) + " is not 2-D");
            }
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            double[][] m = new double[rows][];
            for (int r = 0; r < rows; r++) {
                m[r] = Arrays.copyOfRange(values, r * cols, (r + 1) * cols);
            }
            return m;
        }
    }

    /** A bound on one member: NIQE's parameters are 12 KB; this only stops a decompression bomb. */
    static final int MAX_MEMBER_BYTES = 64 << 20;

    private final Path file;
    private final Map<String, Array> arrays;

    private NpzFile(Path file, Map<String, Array> arrays) {
        this.file = file;
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Reads every {@code .npy} member of the archive; names lose their {@code .npy} suffix, as numpy shows them.
     *
     * @throws IOException naming the file (and member) when it is not a readable archive of supported arrays
     */
    public static NpzFile read(Path file) throws IOException {
        Map<String, Array> arrays = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                String source = file + "!" + e.getName();
                arrays.put(name, parseNpy(member(zip, e, source), source));
            }
        } catch (ZipException | EOFException e) {
            throw new IOException(file + ": not a readable .npz (zip) archive (" + e.getMessage() + "); the file is"
                    + " damaged, fetch it again", e);
        } catch (IllegalArgumentException e) {
            if (!ZipNames.isMalformedEntryName(e)) {
                throw e;
            }
            throw new IOException(file + ": a name or comment in the .npz (zip) archive's directory is not valid text ("
                    + e.getMessage() + "); the file is damaged, fetch it again", e);
        }
        return new NpzFile(file, arrays);
    }

    /** A member's bytes, read up to {@link #MAX_MEMBER_BYTES}: a deflated member may claim or inflate to anything. */
    private static byte[] member(ZipFile zip, ZipEntry e, String source) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readNBytes(MAX_MEMBER_BYTES + 1);
            if (bytes.length > MAX_MEMBER_BYTES) {
                throw new IOException(source + ": the array inflates to more than " + MAX_MEMBER_BYTES + " bytes, far"
                        + " beyond any model parameters; the file is damaged or not what it claims");
            }
            return bytes;
        }
    }

    public Map<String, Array> arrays() {
        return arrays;
    }

    /** The named array, or an exception naming the file and what it holds. */
    public Array get(String name) throws IOException {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IOException(file + ": no array '" + name + "' (the archive has " + arrays.keySet() + ")");
        }
        return a;
    }

    /** Parses one {@code .npy} file's bytes; every size it declares is checked against the bytes it has. */
    static Array parseNpy(byte[] bytes, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || (bytes[0] & 0xFF) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII)
                .equals("NUMPY")) {
            throw new IOException(source + ": not a .npy array (bad magic)");
        }
        int major = bytes[6];
        if (major < 1 || major > 3) {
            throw new IOException(source + ": .npy format version " + major + " is not 1, 2 or 3");
        }
        int headerStart = major == 1 ? 10 : 12;
        if (bytes.length < headerStart) {
            throw new IOException(source + ": truncated header");
        }
        long headerLength = major == 1 ? buf.getShort(8) & 0xFFFF : Integer.toUnsignedLong(buf.getInt(8));
        if (headerStart + headerLength > bytes.length) {
            throw new IOException(source + ": truncated header");
        }
        String header = new String(bytes, headerStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw new IOException(source + ": unsupported .npy header " + header.trim());
        }
        long[] shape = parseShape(shapeM.group(1), source);
        String type = descr.group(2) + descr.group(3);
        int size = elementSize(type, source);
        ByteBuffer data = ByteBuffer.wrap(bytes, headerStart + (int) headerLength,
                        bytes.length - headerStart - (int) headerLength)
                .slice().order(descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int count = elementCount(shape, data.remaining() / size, source);
        double[] values = readValues(data, type, count);
        if (fortran.group(1).equals("True")) {
            values = fortranToRowMajor(values, shape);
        }
        return new Array(shape, values);
    }

    private static long[] parseShape(String text, String source) throws IOException {
        String[] dims = Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (!dims[i].matches("\\d{1,18}")) {
                throw new IOException(source + ": shape (" + text + ") holds '" + dims[i] + "', not a dimension");
            }
            shape[i] = Long.parseLong(dims[i]);
        }
        return shape;
    }

    private static int elementSize(String type, String source) throws IOException {
        return switch (type) {
            case "f8", "i8" -> 8;
            case "f4", "i4", "u4" -> 4;
            case "i2", "u2" -> 2;
            case "i1", "u1" -> 1;
            default -> throw new IOException(source + ": unsupported dtype " + type);
        };
    }

    /** The shape's element count, which the data must hold ({@code available} elements). */
    private static int elementCount(long[] shape, long available, String source) throws IOException {
        long count = 1;
        for (long d : shape) {
            // with available ≥ count so far, a product beyond it is refused before it can overflow
            count = d == 0 ? 0 : count > available / d ? available + 1 : count * d;
        }
        if (count > available) {
            throw new IOException(source + ": shape " + Arrays.toString(shape) + " needs more values than the "
                    + available + " its data holds");
        }
        return (int) count;
    }

    private static double[] readValues(ByteBuffer data, String type, int count) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = switch (type) {
                case "f8" -> data.getDouble();
                case "f4" -> data.getFloat();
                case "i8" -> data.getLong();
                case "i4" -> data.getInt();
                case "i2" -> data.getShort();
                case "i1" -> data.get();
                case "u1" -> data.get() & 0xFF;
                case "u2" -> data.getShort() & 0xFFFF;
                default -> data.getInt() & 0xFFFFFFFFL;
            };
        }
        return v;
    }

    private static double[] fortranToRowMajor(double[] columnMajor, long[] shape) {
        int n = columnMajor.length;
        double[] out = new double[n];
        int[] index = new int[shape.length];
        for (int f = 0; f < n; f++) {
            int c = 0;
            for (int d = 0; d < shape.length; d++) {
                c = c * (int) shape[d] + index[d];
            }
            out[c] = columnMajor[f];
            for (int d = 0; d < shape.length && ++index[d] == shape[d]; d++) {
                index[d] = 0;
            }
        }
        return out;
    }
}
