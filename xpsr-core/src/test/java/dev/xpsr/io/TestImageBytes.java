package dev.xpsr.io;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Hand-made image files for the reader tests: raw PNG chunks, JPEGs with spliced segments, CMYK JPEGs. */
final class TestImageBytes {
    static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private TestImageBytes() {
    }

    /** PNG colour types. */
    static final int GREY = 0;
    static final int RGB = 2;
    static final int PALETTE = 3;
    static final int GREY_ALPHA = 4;
    static final int RGBA = 6;

    /** A chunk with its length and a correct CRC. */
    static byte[] chunk(String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        try {
            byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
            d.writeInt(data.length);
            d.write(t);
            d.write(data);
            CRC32 crc = new CRC32();
            crc.update(t);
            crc.update(data);
            d.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] ihdr(int width, int height, int bitDepth, int colorType) {
        ByteBuffer b = ByteBuffer.allocate(13);
        b.putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        return chunk("IHDR", b.array());
    }

    /**
     * A PNG from unfiltered scanlines (each row's filter byte 0 is added here).
     *
     * @param rows  packed sample bytes of each row, big-endian for 16-bit samples
     * @param extra chunks placed between IHDR and IDAT (PLTE, tRNS, eXIf, ...)
     */
    static byte[] png(int width, int bitDepth, int colorType, byte[][] rows, byte[]... extra) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (byte[] row : rows) {
            raw.write(0);
            raw.writeBytes(row);
        }
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream dz = new DeflaterOutputStream(z)) {
            dz.write(raw.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PNG_SIGNATURE);
        out.writeBytes(ihdr(width, rows.length, bitDepth, colorType));
        for (byte[] c : extra) {
            out.writeBytes(c);
        }
        out.writeBytes(chunk("IDAT", z.toByteArray()));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** Big-endian 16-bit samples. */
    static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length);
        for (int v : values) {
            b.putShort((short) v);
        }
        return b.array();
    }

    /** A minimal big-endian TIFF block whose IFD0 holds only the orientation tag. */
    static byte[] exifTiff(int orientation) {
        ByteBuffer b = ByteBuffer.allocate(26).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        b.putShort((short) 1);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    /** A baseline JPEG of {@code image} written by ImageIO. */
    static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
        return write(w, new IIOImage(image, null, null), p);
    }

    /**
     * The JPEG with an APP1 "Exif" segment holding {@code orientation} inserted after the APP0 (JFIF) segment,
     * as cameras write it.
     */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = exifTiff(orientation);
        byte[] payload = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, payload, 0, 6);
        System.arraycopy(tiff, 0, payload, 6, tiff.length);
        int at = 2;
        if ((jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0) {
            at = 4 + (((jpeg[4] & 0xFF) << 8) | (jpeg[5] & 0xFF));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, at);
        int len = payload.length + 2;
        out.writeBytes(bytes(0xFF, 0xE1, len >> 8, len & 0xFF));
        out.writeBytes(payload);
        out.write(jpeg, at, jpeg.length - at);
        return out.toByteArray();
    }

    /**
     * A 4-component JPEG whose stored samples are {@code samples} (interleaved, 4 per pixel) — ImageIO writes a
     * Raster's bands without colour conversion. With {@code adobeTransform} ≥ 0 an Adobe APP14 marker with that
     * transform is added (2 = the samples are YCCK). Quality 1.0 keeps flat 8×8 blocks exact.
     */
    static byte[] fourComponentJpeg(int width, int height, int[] samples, int adobeTransform) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        raster.setPixels(0, 0, width, height, samples);
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(1f);
        IIOMetadata metadata = null;
        if (adobeTransform >= 0) {
            metadata = metadataOf(write(w, new IIOImage(raster, null, null), p));
            addAdobeMarker(metadata, adobeTransform);
            w = ImageIO.getImageWritersByFormatName("jpeg").next();
        }
        return write(w, new IIOImage(raster, null, metadata), p);
    }

    private static IIOMetadata metadataOf(byte[] jpeg) {
        ImageReader r = ImageIO.getImageReadersByFormatName("jpeg").next();
        try {
            r.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg)));
            return r.getImageMetadata(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            r.dispose();
        }
    }

    private static void addAdobeMarker(IIOMetadata metadata, int transform) {
        String format = "javax_imageio_jpeg_image_1.0";
        IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
        IIOMetadataNode markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
        IIOMetadataNode adobe = new IIOMetadataNode("app14Adobe");
        adobe.setAttribute("transform", Integer.toString(transform));
        markers.insertBefore(adobe, markers.getFirstChild());
        try {
            metadata.setFromTree(format, root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(ImageWriter w, IIOImage image, ImageWriteParam p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            w.setOutput(out);
            w.write(null, image, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }
}
