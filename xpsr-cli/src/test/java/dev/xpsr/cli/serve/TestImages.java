package dev.xpsr.cli.serve;

import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/** The uploads of the server tests: a real photo from {@code fixtures/data}, and broken or hostile files. */
final class TestImages {
    static final String PHOTO_NAME = "butterfly_set5_LRx4_matlab-bicubic_64.png";

    private TestImages() {
    }

    /** A real 64 × 64 photo (Set5's butterfly, MATLAB-bicubic ×4 down). */
    static Path photoFile() {
        return Path.of(System.getProperty("xpsr.data"), "images", "sr_pairs", PHOTO_NAME);
    }

    static byte[] photo() {
        try {
            return Files.readAllBytes(photoFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code side × side} crop of the photo's centre, as PNG bytes (written through {@code scratch}). */
    static byte[] photoCrop(int side, Path scratch) {
        try {
            RgbImage photo = ImageFiles.read(photoFile());
            Path png = scratch.resolve("crop-" + side + ".png");
            ImageFiles.writePng(png, photo.crop((photo.width() - side) / 2, (photo.height() - side) / 2, side, side));
            return Files.readAllBytes(png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The photo cut after its header: the header check passes, decoding fails when the job runs. */
    static byte[] truncatedPhoto() {
        byte[] full = photo();
        return Arrays.copyOf(full, full.length / 3);
    }

    /** A 100 kB PNG whose header declares {@code side × side} pixels (a decompression bomb's header). */
    static byte[] pngDeclaring(int side) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[100_000]);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
