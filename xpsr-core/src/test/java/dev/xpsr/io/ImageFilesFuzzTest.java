package dev.xpsr.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xpsr.testing.FuzzContract;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes image decoding ({@link ImageFiles#read}: ImageIO's PNG, JPEG, BMP, GIF and TIFF readers behind the
 * project's pixel limit, Pillow's conversions and the EXIF orientation): any file decodes to an RGB image within
 * the limit, or is refused with an {@link ImageFileException} naming the file. The limit is lowered to 4
 * megapixels so that each execution stays short; the check itself is the same.
 */
class ImageFilesFuzzTest {
    private static final Path DIR = FuzzContract.scratch("images");
    private static final long MAX_PIXELS = 4_000_000;
    private static final ImageFiles.ReadOptions OPTIONS = ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(MAX_PIXELS);

    @Timeout(60)
    @FuzzTest
    void decodesWithinThePixelLimitOrRefusesNamingTheFile(byte[] input) throws Exception {
        Path file = FuzzContract.write(DIR, "photo.img", input);
        RgbImage image = FuzzContract.resultOrRefusal(() -> ImageFiles.read(file, OPTIONS), ImageFileException.class,
                file);
        if (image != null) {
            assertThat((long) image.width() * image.height()).isPositive().isLessThanOrEqualTo(MAX_PIXELS);
        }
    }
}
