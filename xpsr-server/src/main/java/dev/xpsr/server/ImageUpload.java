package dev.xpsr.server;

import dev.xpsr.io.ImageFileException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/**
 * An uploaded image checked before anything decodes it: its format from its first bytes (not from its name or the
 * client's content type), and its width × height from its header against the pixel limit, so that a small file
 * declaring a huge image (a decompression bomb) is refused before any pixel memory is taken.
 *
 * @param bytes     the file as uploaded
 * @param name      the client's file name without folders, for display and for the result's name
 * @param extension the file name extension of the sniffed format ({@code png}, {@code jpg}, ...)
 * @param width     from the header
 * @param height    from the header
 */
public record ImageUpload(byte[] bytes, String name, String extension, int width, int height) {
    /** Formats the server decodes, by their leading bytes (the formats {@code ImageFiles} reads). */
    private enum Format {
        PNG("png", new int[] {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}),
        JPEG("jpg", new int[] {0xFF, 0xD8, 0xFF}),
        GIF("gif", new int[] {'G', 'I', 'F', '8'}),
        BMP("bmp", new int[] {'B', 'M'}),
        TIFF_LE("tif", new int[] {'I', 'I', 42, 0}),
        TIFF_BE("tif", new int[] {'M', 'M', 0, 42});

        final String extension;
        final int[] magic;

        Format(String extension, int[] magic) {
            this.extension = extension;
            this.magic = magic;
        }

        boolean matches(byte[] b) {
            if (b.length < magic.length) {
                return false;
            }
            for (int i = 0; i < magic.length; i++) {
                if ((b[i] & 0xFF) != magic[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Checks an upload.
     *
     * @throws ApiException 415 when it is not a PNG, JPEG, GIF, BMP or TIFF; 413 when its header declares more than
     *                      {@code maxPixels}; 400 when its header cannot be read
     */
    public static ImageUpload inspect(byte[] bytes, String clientName, long maxPixels) {
        String name = displayName(clientName);
        Format format = Arrays.stream(Format.values()).filter(f -> f.matches(bytes)).findFirst()
                .orElseThrow(() -> ApiException.unsupportedMediaType("'" + name + "' is not an image the server "
                        + "reads (" + (bytes.length == 0 ? "the file is empty" : "its first bytes are not those of "
                        + "a PNG, JPEG, GIF, BMP or TIFF file") + "); upload one of those formats"));
        int[] size = headerSize(bytes, name, format);
        long pixels = (long) size[0] * size[1];
        if (pixels > maxPixels) {
            throw ApiException.tooLarge("'" + name + "' is " + size[0] + "x" + size[1] + " = " + pixels
                    + " pixels, more than this server's limit of " + maxPixels + " pixels; send a smaller image");
        }
        if (size[0] < 1 || size[1] < 1) {
            throw ApiException.badRequest("'" + name + "' declares an empty image (" + size[0] + "x" + size[1] + ")");
        }
        return new ImageUpload(bytes, name, format.extension, size[0], size[1]);
    }

    /** Width and height from the header alone: ImageIO readers parse it without decoding pixels. */
    private static int[] headerSize(byte[] bytes, String name, Format format) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ApiException.unsupportedMediaType("'" + name + "' looks like " + format.name()
                        + " but no reader accepts it; upload a PNG or JPEG file");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            throw ApiException.badRequest("cannot read the header of '" + name + "' ("
                    + format.name().toLowerCase(Locale.ROOT) + "): " + e.getMessage());
        }
    }

    /** The file name without folders or control characters, at most 200 characters; "image" when none. */
    static String displayName(String clientName) {
        String n = clientName == null ? "" : clientName;
        n = n.substring(Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\')) + 1).replaceAll("\\p{Cntrl}", "").strip();
        if (n.length() > 200) {
            n = n.substring(n.length() - 200);
        }
        return n.isEmpty() ? "image" : n;
    }

    /** The media type of a stored upload, from the extension its sniffed format gave it. */
    static String contentType(String fileName) {
        String ext = fileName.substring(fileName.lastIndexOf('.') + 1);
        return switch (ext) {
            case "png" -> "image/png";
            case "jpg" -> "image/jpeg";
            case "gif" -> "image/gif";
            case "bmp" -> "image/bmp";
            case "tif" -> "image/tiff";
            default -> "application/octet-stream";
        };
    }

    /** What is wrong with an upload that failed to decode, without the server's path of its file. */
    static String problem(ImageFileException e) {
        String prefix = e.file() + ": ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** The name without its extension, as prompt folders and servers are asked with. */
    public String stem() {
        return stem(name);
    }

    /** {@code photo.png} → {@code photo}. */
    static String stem(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
