package dev.xpsr.io;

import org.w3c.dom.Node;

import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The EXIF {@code Orientation} tag (0x0112) of a JPEG (APP1 "Exif" segment) or PNG ({@code eXIf} chunk) and the
 * transposition that shows the image upright, as Pillow's {@code ImageOps.exif_transpose} does (2 = mirror,
 * 3 = rotate 180°, 4 = flip, 5 = transpose, 6 = rotate 90° clockwise, 7 = transverse, 8 = rotate 90°
 * counter-clockwise). Malformed EXIF data counts as orientation 1 (upright), as viewers treat it.
 */
final class ExifOrientation {
    static final int UPRIGHT = 1;
    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;
    private static final byte[] EXIF_HEADER = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);

    private ExifOrientation() {
    }

    /** The orientation (1..8) recorded in the image metadata of a JPEG or PNG, 1 if there is none. */
    static int find(IIOMetadata metadata) {
        if (metadata == null) {
            return UPRIGHT;
        }
        for (String format : metadata.getMetadataFormatNames()) {
            if (format.equals("javax_imageio_jpeg_image_1.0") || format.equals("javax_imageio_png_1.0")) {
                byte[] exif = exifBlock(metadata.getAsTree(format));
                if (exif != null) {
                    return parse(exif);
                }
            }
        }
        return UPRIGHT;
    }

    /** JPEG: an {@code unknown} APP1 (0xE1) marker node; PNG: an {@code UnknownChunk} of type {@code eXIf}. */
    private static byte[] exifBlock(Node node) {
        if (node instanceof IIOMetadataNode n && n.getUserObject() instanceof byte[] data) {
            boolean app1 = n.getNodeName().equals("unknown") && "225".equals(n.getAttribute("MarkerTag"));
            boolean exifChunk = n.getNodeName().equals("UnknownChunk") && "eXIf".equals(n.getAttribute("type"));
            if ((app1 && startsWith(data, EXIF_HEADER)) || exifChunk) {
                return data;
            }
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            byte[] found = exifBlock(c);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The orientation in an EXIF block (with or without the "Exif\0\0" prefix); 1 when absent or malformed. */
    static int parse(byte[] exif) {
        int base = startsWith(exif, EXIF_HEADER) ? EXIF_HEADER.length : 0;
        try {
            Tiff t = new Tiff(exif, base);
            int ifd = base + t.u32(base + 4);
            int count = t.u16(ifd);
            for (int i = 0; i < count; i++) {
                int entry = ifd + 2 + 12 * i;
                if (t.u16(entry) == TAG_ORIENTATION && t.u16(entry + 2) == TYPE_SHORT) {
                    int v = t.u16(entry + 8);
                    return v >= 1 && v <= 8 ? v : UPRIGHT;
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            return UPRIGHT;
        }
        return UPRIGHT;
    }

    /** {@code img} transposed so that an image stored with {@code orientation} shows upright. */
    static RgbImage apply(RgbImage img, int orientation) {
        if (orientation <= UPRIGHT || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = img.toHwcBytes();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int s = sourceIndex(orientation, x, y, w, h);
                System.arraycopy(src, s * 3, out, (y * ow + x) * 3, 3);
            }
        }
        return RgbImage.of(ow, oh, out);
    }

    /** Index (row-major, stored image) of the pixel shown at (x, y) of the upright image. */
    private static int sourceIndex(int orientation, int x, int y, int w, int h) {
        return switch (orientation) {
            case 2 -> y * w + (w - 1 - x);
            case 3 -> (h - 1 - y) * w + (w - 1 - x);
            case 4 -> (h - 1 - y) * w + x;
            case 5 -> x * w + y;
            case 6 -> (h - 1 - x) * w + y;
            case 7 -> (h - 1 - x) * w + (w - 1 - y);
            case 8 -> x * w + (w - 1 - y);
            default -> y * w + x;
        };
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Byte-order-aware reads of a TIFF structure starting at {@code base}. */
    private static final class Tiff {
        private final byte[] data;
        private final boolean littleEndian;

        Tiff(byte[] data, int base) {
            this.data = data;
            if (data[base] == 'I' && data[base + 1] == 'I') {
                littleEndian = true;
            } else if (data[base] == 'M' && data[base + 1] == 'M') {
                littleEndian = false;
            } else {
                throw new IllegalArgumentException("no TIFF byte-order mark");
            }
            if (u16(base + 2) != 42) {
                throw new IllegalArgumentException("no TIFF magic number");
            }
        }

        int u16(int at) {
            int a = data[at] & 0xFF;
            int b = data[at + 1] & 0xFF;
            return littleEndian ? a | b << 8 : a << 8 | b;
        }

        int u32(int at) {
            long v = littleEndian ? u16(at) | (long) u16(at + 2) << 16 : (long) u16(at) << 16 | u16(at + 2);
            if (v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("offset out of range");
            }
            return (int) v;
        }
    }
}
