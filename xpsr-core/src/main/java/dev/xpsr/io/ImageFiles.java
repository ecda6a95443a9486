package dev.xpsr.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Node;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.imageio.IIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files in and out, with the JDK's ImageIO only.
 *
 * <p><b>Reading</b> gives what Pillow 9.4's {@code Image.open(p).convert("RGB")} gives (XPSR's {@code test.py}
 * loads its LR images that way): 8-bit RGB from grey, grey+alpha, RGB(A), palette, 16-bit and CMYK/YCCK JPEG
 * sources, alpha dropped without compositing (rules in {@link PilRgb}). One deliberate deviation, on by default:
 * the EXIF orientation of JPEG/PNG files is applied so photos come out upright (Pillow's {@code open} ignores
 * it; {@link ReadOptions#applyExifOrientation} off restores Pillow's result). The pixel count is checked from
 * the header, before any pixel is decoded, against {@link ReadOptions#maxPixels}. Every failure is an
 * {@link ImageFileException} naming the file and the problem.
 *
 * <p><b>Writing</b> produces 8-bit RGB PNGs with text metadata (tEXt for Latin-1 text, iTXt otherwise),
 * atomically: the bytes go to a temporary file in the target folder, are forced to disk and the file is
 * renamed over the target, so a reader never sees a half-written image and a failed write leaves nothing (a
 * process killed mid-write can leave a hidden {@code .<name>.<uuid>.tmp} file, never a partial target).
 */
public final class ImageFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFiles.class);
    private static final String JPEG_FORMAT = "javax_imageio_jpeg_image_1.0";
    private static final String PNG_FORMAT = "javax_imageio_png_1.0";
    private static final Pattern CHUNK_PAST_END = Pattern.compile("Invalid chunk length \\d+");
    /** The default pixel limit, 64 megapixels (e.g. 8192 × 7812). */
    public static final long DEFAULT_MAX_PIXELS = 64_000_000L;

    /** File name extensions read as images (lower case). */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp");

    /** Whether {@code p}'s name is visible and ends with one of the {@link #EXTENSIONS} (any case). */
    public static boolean hasImageName(Path p) {
        String file = p.getFileName().toString();
        int dot = file.lastIndexOf('.');
        return !file.startsWith(".") && dot > 0 && EXTENSIONS.contains(file.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private ImageFiles() {
    }

    /**
     * Reading options.
     *
     * @param maxPixels            largest accepted width × height, checked before decoding
     * @param applyExifOrientation rotate/flip by the EXIF orientation (default true; false = Pillow's result)
     */
    public record ReadOptions(long maxPixels, boolean applyExifOrientation) {
        public static final ReadOptions DEFAULTS = new ReadOptions(DEFAULT_MAX_PIXELS, true);

        public ReadOptions {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
            }
        }

        public ReadOptions withMaxPixels(long limit) {
            return new ReadOptions(limit, applyExifOrientation);
        }

        public ReadOptions withExifOrientation(boolean apply) {
            return new ReadOptions(maxPixels, apply);
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads an image file with {@link ReadOptions#DEFAULTS}. */
    public static RgbImage read(Path file) throws ImageFileException {
        return read(file, ReadOptions.DEFAULTS);
    }

    /** Reads an image file as 8-bit RGB (see the class comment for the conversion rules). */
    public static RgbImage read(Path file, ReadOptions options) throws ImageFileException {
        checkReadable(file);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            ImageReader reader = readerFor(file, in);
            try {
                return decode(file, reader, options);
            } finally {
                reader.dispose();
            }
        } catch (ImageFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageFileException(file, ImageFileException.Reason.UNREADABLE, "cannot read the file ("
                    + e.getMessage() + ")", e);
        }
    }

    private static void checkReadable(Path file) throws ImageFileException {
        if (!Files.exists(file)) {
            throw new ImageFileException(file, ImageFileException.Reason.NOT_FOUND, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageFileException(file, ImageFileException.Reason.UNREADABLE, "not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new ImageFileException(file, ImageFileException.Reason.UNREADABLE, "no permission to read it");
        }
    }

    private static ImageReader readerFor(Path file, ImageInputStream in) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            String what = in.length() == 0 ? "the file is empty, not an image"
                    : "not an image in a supported format (PNG, JPEG, BMP, GIF, TIFF)";
            throw new ImageFileException(file, ImageFileException.Reason.NOT_AN_IMAGE, what);
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, false);
        reader.addIIOReadWarningListener((source, warning) -> {
            if (isTruncation(warning)) {
                throw new TruncatedData(warning);
            }
            LOG.debug("{}: {}", file, warning);
        });
        return reader;
    }

    /** Thrown from the warning listener to stop a decoder that would fill a truncated image with grey. */
    private static final class TruncatedData extends RuntimeException {
        TruncatedData(String message) {
            super(message, null, false, false);
        }
    }

    private static RgbImage decode(Path file, ImageReader reader, ReadOptions options) throws ImageFileException {
        try {
            checkSize(file, reader.getWidth(0), reader.getHeight(0), options.maxPixels());
            IIOMetadata metadata = reader.getImageMetadata(0);
            RgbImage image = isFourComponentJpeg(metadata) ? decodeCmykJpeg(reader, metadata)
                    : decodeRgb(reader, metadata);
            return options.applyExifOrientation()
                    ? ExifOrientation.apply(image, ExifOrientation.find(metadata)) : image;
        } catch (ImageFileException e) {
            throw e;
        } catch (PilRgb.UnsupportedImage e) {
            throw new ImageFileException(file, ImageFileException.Reason.UNSUPPORTED, e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw decodeFailure(file, formatName(reader), e);
        }
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    private static void checkSize(Path file, int width, int height, long maxPixels) throws ImageFileException {
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageFileException(file, ImageFileException.Reason.TOO_LARGE, width + "x" + height + " = "
                    + pixels + " pixels exceeds the limit of " + maxPixels + " pixels");
        }
    }

    private static RgbImage decodeRgb(ImageReader reader, IIOMetadata metadata)
            throws IOException, PilRgb.UnsupportedImage {
        BufferedImage image = reader.read(0);
        byte[] rgb = PilRgb.toRgb(image, pngHeader(metadata));
        return RgbImage.of(image.getWidth(), image.getHeight(), rgb);
    }

    /**
     * ImageIO's {@code read} colour-converts CMYK/YCCK JPEGs its own way, so the raw samples are read and
     * converted as Pillow does ({@link PilRgb#jpegCmykToRgb}).
     */
    private static RgbImage decodeCmykJpeg(ImageReader reader, IIOMetadata metadata) throws IOException {
        Raster raster = reader.readRaster(0, null);
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] raw = new byte[4 * w * h];
        int[] row = new int[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int i = 0; i < row.length; i++) {
                raw[y * 4 * w + i] = (byte) row[i];
            }
        }
        return RgbImage.of(w, h, PilRgb.jpegCmykToRgb(raw, w * h, adobeTransform(metadata) == 2));
    }

    private static boolean isFourComponentJpeg(IIOMetadata metadata) {
        Node sof = findNode(nativeTree(metadata, JPEG_FORMAT), "sof");
        return sof != null && "4".equals(attribute(sof, "numFrameComponents"));
    }

    /** The Adobe APP14 transform (0 = none, 1 = YCbCr, 2 = YCCK), or -1 without that marker. */
    private static int adobeTransform(IIOMetadata metadata) {
        Node adobe = findNode(nativeTree(metadata, JPEG_FORMAT), "app14Adobe");
        String transform = adobe == null ? null : attribute(adobe, "transform");
        return transform == null ? -1 : Integer.parseInt(transform);
    }

    private static PilRgb.PngHeader pngHeader(IIOMetadata metadata) {
        Node ihdr = findNode(nativeTree(metadata, PNG_FORMAT), "IHDR");
        if (ihdr == null) {
            return null;
        }
        return new PilRgb.PngHeader(attribute(ihdr, "colorType"), Integer.parseInt(attribute(ihdr, "bitDepth")));
    }

    private static ImageFileException decodeFailure(Path file, String format, Exception e) {
        String detail = messages(e);
        if (e instanceof TruncatedData || hasCause(e, EOFException.class) || chunkRunsPastEnd(detail)) {
            return new ImageFileException(file, ImageFileException.Reason.TRUNCATED, "truncated " + format
                    + " data (" + detail + ")", e);
        }
        return new ImageFileException(file, ImageFileException.Reason.CORRUPT, "corrupt " + format + " data ("
                + detail + ")", e);
    }

    /** The messages of the cause chain, outermost first. */
    private static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (s.indexOf(m) < 0) {
                s.append(s.length() == 0 ? "" : ": ").append(m);
            }
        }
        return s.toString();
    }

    /**
     * The JDK PNG reader reports a chunk whose data and CRC run past the end of the file as "Invalid chunk length
     * N" with N ≥ 0 (a negative N is a corrupt length field).
     */
    private static boolean chunkRunsPastEnd(String detail) {
        return CHUNK_PAST_END.matcher(detail).find();
    }

    private static boolean isTruncation(String warning) {
        // libjpeg's JWRN_JPEG_EOF and the JDK's own end-of-stream message
        return warning.contains("Premature end of JPEG file") || warning.contains("Truncated File");
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- writing

    /** Writes {@code image} as an 8-bit RGB PNG without text chunks (atomically, see the class comment). */
    public static void writePng(Path file, RgbImage image) throws ImageFileException {
        writePng(file, image, Map.of());
    }

    /**
     * Writes {@code image} as an 8-bit RGB PNG with one text chunk per entry: tEXt when the value is Latin-1,
     * iTXt (UTF-8, uncompressed) otherwise; entries of one kind keep the map's order. The file appears complete
     * or not at all.
     *
     * @param text keyword → value; keywords are 1–79 printable Latin-1 characters without leading, trailing or
     *             double spaces (PNG rule), values contain no NUL character
     * @throws IllegalArgumentException for a keyword or value that PNG cannot hold
     */
    public static void writePng(Path file, RgbImage image, Map<String, String> text) throws ImageFileException {
        text.forEach(PngText::check);
        Path target = file.toAbsolutePath();
        Path folder = target.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new ImageFileException(file, ImageFileException.Reason.NOT_WRITABLE, "cannot write here: "
                    + folder + " is not an existing folder");
        }
        Path temp = folder.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            writeSynced(temp, image, text);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw writeFailure(file, e);
        }
    }

    private static void writeSynced(Path temp, RgbImage image, Map<String, String> text) throws IOException {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = Channels.newOutputStream(channel);
            try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                encodePng(ios, image, text);
            }
            channel.force(true);
        }
    }

    private static void encodePng(ImageOutputStream out, RgbImage image, Map<String, String> text)
            throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try {
            BufferedImage bi = toBufferedImage(image);
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(bi),
                    param);
            if (!text.isEmpty()) {
                metadata.mergeTree(PNG_FORMAT, PngText.tree(text));
            }
            writer.setOutput(out);
            writer.write(null, new IIOImage(bi, null, metadata), param);
        } finally {
            writer.dispose();
        }
    }

    /** A BufferedImage viewing a copy of the image's bytes with R, G, B band order (PNG colour type 2). */
    private static BufferedImage toBufferedImage(RgbImage image) {
        int w = image.width();
        int h = image.height();
        byte[] px = image.toHwcBytes();
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(px, px.length), w, h, 3 * w, 3,
                new int[] {0, 1, 2}, null);
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        return new BufferedImage(cm, raster, false, null);
    }

    private static ImageFileException writeFailure(Path file, Exception e) {
        String why;
        if (e instanceof AccessDeniedException) {
            why = "no permission to write in its folder";
        } else if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            why = "its folder does not exist";
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            why = fse.getReason();
        } else {
            // ImageIO's "I/O error writing PNG file!" hides the reason (a full disk, a file size limit) in its cause
            why = messages(e);
        }
        return new ImageFileException(file, ImageFileException.Reason.NOT_WRITABLE, "cannot write the PNG (" + why
                + "); nothing was written", e);
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.warn("could not remove the temporary file {}: {}", temp, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- PNG text read-back

    /** The text chunks (tEXt, iTXt, zTXt) of a PNG file, keyword → text, in file order. */
    public static Map<String, String> readPngText(Path file) throws ImageFileException {
        checkReadable(file);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            ImageReader reader = readerFor(file, in);
            try {
                if (!formatName(reader).equals("PNG")) {
                    throw new ImageFileException(file, ImageFileException.Reason.UNSUPPORTED, "not a PNG file ("
                            + formatName(reader) + ")");
                }
                return PngText.entries(nativeTree(reader.getImageMetadata(0), PNG_FORMAT));
            } finally {
                reader.dispose();
            }
        } catch (ImageFileException e) {
            throw e;
        } catch (IIOException | RuntimeException e) {
            throw decodeFailure(file, "PNG", e);
        } catch (IOException e) {
            throw new ImageFileException(file, ImageFileException.Reason.UNREADABLE, "cannot read the file ("
                    + e.getMessage() + ")", e);
        }
    }

    // ---------------------------------------------------------------- metadata trees

    private static Node nativeTree(IIOMetadata metadata, String format) {
        if (metadata == null) {
            return null;
        }
        for (String name : metadata.getMetadataFormatNames()) {
            if (name.equals(format)) {
                return metadata.getAsTree(format);
            }
        }
        return null;
    }

    static Node findNode(Node root, String name) {
        if (root == null) {
            return null;
        }
        if (root.getNodeName().equals(name)) {
            return root;
        }
        for (Node c = root.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node found = findNode(c, name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    static String attribute(Node node, String name) {
        Node a = node.getAttributes() == null ? null : node.getAttributes().getNamedItem(name);
        return a == null ? null : a.getNodeValue();
    }

    /** PNG text chunks as ImageIO's native PNG metadata tree spells them. */
    private static final class PngText {
        private PngText() {
        }

        static void check(String keyword, String value) {
            if (keyword.isEmpty() || keyword.length() > 79 || !keyword.equals(keyword.strip())
                    || keyword.contains("  ") || !keyword.chars().allMatch(PngText::printableLatin1)) {
                throw new IllegalArgumentException("invalid PNG text keyword '" + keyword + "': 1-79 printable "
                        + "Latin-1 characters, no leading, trailing or double spaces");
            }
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("PNG text value for '" + keyword + "' contains a NUL character");
            }
        }

        private static boolean printableLatin1(int c) {
            return (c >= 32 && c <= 126) || (c >= 161 && c <= 255);
        }

        private static boolean latin1(String s) {
            return s.chars().allMatch(c -> c <= 255);
        }

        static IIOMetadataNode tree(Map<String, String> text) {
            IIOMetadataNode root = new IIOMetadataNode(PNG_FORMAT);
            IIOMetadataNode tEXt = new IIOMetadataNode("tEXt");
            IIOMetadataNode iTXt = new IIOMetadataNode("iTXt");
            text.forEach((key, value) -> {
                if (latin1(value)) {
                    IIOMetadataNode e = new IIOMetadataNode("tEXtEntry");
                    e.setAttribute("keyword", key);
                    e.setAttribute("value", value);
                    tEXt.appendChild(e);
                } else {
                    IIOMetadataNode e = new IIOMetadataNode("iTXtEntry");
                    e.setAttribute("keyword", key);
                    e.setAttribute("compressionFlag", "FALSE");
                    e.setAttribute("compressionMethod", "0");
                    e.setAttribute("languageTag", "");
                    e.setAttribute("translatedKeyword", "");
                    e.setAttribute("text", value);
                    iTXt.appendChild(e);
                }
            });
            if (tEXt.hasChildNodes()) {
                root.appendChild(tEXt);
            }
            if (iTXt.hasChildNodes()) {
                root.appendChild(iTXt);
            }
            return root;
        }

        static Map<String, String> entries(Node root) {
            Map<String, String> out = new LinkedHashMap<>();
            collect(root, out);
            return out;
        }

        private static void collect(Node node, Map<String, String> out) {
            if (node == null) {
                return;
            }
            switch (node.getNodeName()) {
                case "tEXtEntry" -> out.put(attribute(node, "keyword"), attribute(node, "value"));
                case "iTXtEntry", "zTXtEntry" -> out.put(attribute(node, "keyword"), attribute(node, "text"));
                default -> {
                    for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
                        collect(c, out);
                    }
                }
            }
        }
    }
}
