package dev.xpsr.server;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageUploadTest {
    static final Path PHOTO = Path.of(System.getProperty("xpsr.data"), "images", "sr_pairs",
            "butterfly_set5_LRx4_matlab-bicubic_64.png");

    @Test
    void aRealPhotoIsSniffedAndMeasuredFromItsHeaderWhateverItsName() throws Exception {
        ImageUpload png = ImageUpload.inspect(Files.readAllBytes(PHOTO), "C:\\photos\\butterfly.jpeg", 1 << 20);
        assertThat(png.extension()).isEqualTo("png");
        assertThat(png.width()).isEqualTo(64);
        assertThat(png.height()).isEqualTo(64);
        assertThat(png.name()).isEqualTo("butterfly.jpeg");
        assertThat(png.stem()).isEqualTo("butterfly");

        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "jpg", jpeg);
        ImageUpload j = ImageUpload.inspect(jpeg.toByteArray(), "x.png", 1 << 20);
        assertThat(j.extension()).isEqualTo("jpg");
        assertThat(j.width()).isEqualTo(40);
        assertThat(j.height()).isEqualTo(30);
    }

    @Test
    void somethingElseIs415NamingTheFile() {
        assertRefused(() -> ImageUpload.inspect("<html>".getBytes(StandardCharsets.UTF_8), "page.png", 100), 415,
                "'page.png' is not an image the server reads (its first bytes are not those of a PNG, JPEG");
        assertRefused(() -> ImageUpload.inspect(new byte[0], "empty.png", 100), 415, "the file is empty");
    }

    @Test
    void aHeaderDeclaringTooManyPixelsIs413WithTheLimitBeforeAnyDecoding() {
        byte[] bomb = pngHeader(60_000, 50_000);
        assertRefused(() -> ImageUpload.inspect(bomb, "bomb.png", 4_194_304), 413,
                "'bomb.png' is 60000x50000 = 3000000000 pixels, more than this server's limit of 4194304 pixels");
    }

    @Test
    void aBrokenHeaderIs400() throws Exception {
        byte[] cut = Arrays.copyOf(Files.readAllBytes(PHOTO), 12);
        assertRefused(() -> ImageUpload.inspect(cut, "cut.png", 1 << 20), 400, "cannot read the header of 'cut.png'");
    }

    @Test
    void clientFileNamesLoseFoldersAndControlCharacters() {
        assertThat(ImageUpload.displayName("../../etc/pass\nwd.png")).isEqualTo("passwd.png");
        assertThat(ImageUpload.displayName(null)).isEqualTo("image");
        assertThat(ImageUpload.displayName("x".repeat(300) + ".png")).hasSize(200).endsWith(".png");
    }

    private static void assertRefused(Runnable r, int status, String message) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(status)).hasMessageContaining(message);
    }

    /** A PNG signature and IHDR chunk declaring {@code w × h} RGB pixels, and nothing else. */
    private static byte[] pngHeader(int w, int h) {
        byte[] ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
                .put(new byte[] {8, 2, 0, 0, 0}).array();
        CRC32 crc = new CRC32();
        crc.update(ihdr);
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10})
                .putInt(13).put(ihdr).putInt((int) crc.getValue()).array();
    }
}
