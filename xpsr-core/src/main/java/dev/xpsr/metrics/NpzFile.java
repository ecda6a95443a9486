package dev.xpsr.metrics;

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

    private final Map<String, Array> arrays;

    private NpzFile(Map<String, Array> arrays) {
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /** Reads every {@code .npy} member of the archive; names lose their {@code .npy} suffix, as numpy shows them. */
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
                try (InputStream in = zip.getInputStream(e)) {
                    arrays.put(name, parseNpy(in.readAllBytes(), file + "!" + e.getName()));
                }
            }
        }
        return new NpzFile(arrays);
    }

    public Map<String, Array> arrays() {
        return arrays;
    }

    /** The named array, or an exception naming what the archive holds. */
    public Array get(String name) {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("npz archive has no array '" + name + "' (has " + arrays.keySet() + ")");
        }
        return a;
    }

    /** Parses one {@code .npy} file's bytes. */
    static Array parseNpy(byte[] bytes, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || (bytes[0] & 0xFF) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.US_ASCII)
                .equals("NUMPY")) {
            throw new IOException(source + ": not a .npy array (bad magic)");
        }
        int major = bytes[6];
        int headerLength = major == 1 ? (buf.getShort(8) & 0xFFFF) : buf.getInt(8);
        int headerStart = major == 1 ? 10 : 12;
        if (headerStart + headerLength > bytes.length) {
            throw new IOException(source + ": truncated header");
        }
        String header = new String(bytes, headerStart, headerLength, StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw new IOException(source + ": unsupported .npy header " + header.trim());
        }
        long[] shape = parseShape(shapeM.group(1));
        int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        ByteBuffer data = ByteBuffer.wrap(bytes, headerStart + headerLength, bytes.length - headerStart - headerLength)
                .slice().order(descr.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        double[] values = readValues(data, descr.group(2).charAt(0), Integer.parseInt(descr.group(3)), count, source);
        if (fortran.group(1).equals("True")) {
            values = fortranToRowMajor(values, shape);
        }
        return new Array(shape, values);
    }

    private static long[] parseShape(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToLong(Long::parseLong).toArray();
    }

    private static double[] readValues(ByteBuffer data, char kind, int size, int count, String source)
            throws IOException {
        if (data.remaining() < (long) count * size) {
            throw new IOException(source + ": " + data.remaining() + " data bytes, " + count + " values of " + size
                    + " bytes expected");
        }
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = switch (kind + String.valueOf(size)) {
                case "f8" -> data.getDouble();
                case "f4" -> data.getFloat();
                case "i8" -> data.getLong();
                case "i4" -> data.getInt();
                case "i2" -> data.getShort();
                case "i1" -> data.get();
                case "u1" -> data.get() & 0xFF;
                case "u2" -> data.getShort() & 0xFFFF;
                case "u4" -> data.getInt() & 0xFFFFFFFFL;
                default -> throw new IOException(source + ": unsupported dtype " + kind + size);
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
