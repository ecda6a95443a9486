package dev.xpsr.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The element types this reader and writer support, named by their safetensors header codes.
 *
 * <p>The safetensors format stores every element little-endian with the byte sizes below. BOOL is one
 * byte per element (0 = false, anything else = true, as torch writes 0/1). The newer 8-bit float and
 * unsigned 16/32/64-bit codes of the format are deliberately not listed: no SD-1.5/XPSR checkpoint
 * uses them, and a file that does is rejected up front with a message naming the code rather than
 * being half-loaded.
 */
public enum DType {
    F64("F64", 8),
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I64("I64", 8),
    I32("I32", 4),
    I16("I16", 2),
    I8("I8", 1),
    U8("U8", 1),
    BOOL("BOOL", 1);

    private final String code;
    private final int byteSize;

    DType(String code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The code used in the safetensors header, e.g. {@code "F32"}. */
    public String code() {
        return code;
    }

    /** True for F64, F32, F16 and BF16. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype with this exact header code (case-sensitive, as the format is), if supported. */
    public static Optional<DType> fromCode(String code) {
        for (DType d : values()) {
            if (d.code.equals(code)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses a header code, reporting an unknown one as a format error of {@code file}'s tensor {@code key}.
     *
     * @param file the file being read, named in the error (may be null)
     * @param key the tensor whose dtype this is, named in the error (may be null)
     */
    public static DType parse(String code, Path file, String key) throws SafetensorsFormatException {
        return fromCode(code).orElseThrow(() -> new SafetensorsFormatException(file, key,
                "unsupported dtype \"" + code + "\" (supported: " + supportedCodes()
                        + "); convert the checkpoint to one of these types"));
    }

    /** The supported codes, comma separated, for error messages. */
    static String supportedCodes() {
        return Arrays.stream(values()).map(DType::code).collect(Collectors.joining(", "));
    }
}
