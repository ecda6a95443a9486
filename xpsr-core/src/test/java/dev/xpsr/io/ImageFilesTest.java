package dev.xpsr.io;

import dev.xpsr.golden.GoldenFixture;
import dev.xpsr.torch.ImageTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.xpsr.io.TestImageBytes.bytes;
import static dev.xpsr.io.TestImageBytes.chunk;
import static dev.xpsr.io.TestImageBytes.png;
import static dev.xpsr.io.TestImageBytes.shorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ImageFiles}: Pillow-compatible reading of every PNG colour type, CMYK/YCCK JPEGs and EXIF orientation;
 * clear, classified errors; atomic PNG writing with text chunks. Expected colours of the crafted files follow
 * Pillow 9.4's {@code convert("RGB")}; the CMYK/YCCK ones were checked with Pillow 9.4.0 on the same bytes.
 */
class ImageFilesTest {
    @TempDir
    Path dir;

    private static Path hrPhotos() {
        return Path.of(System.getProperty("xpsr.data", "../fixtures/data")).resolve("images/hr");
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static RgbImage randomImage(int w, int h, long seed) {
        byte[] px = new byte[3 * w * h];
        new Random(seed).nextBytes(px);
        return RgbImage.of(w, h, px);
    }

    private static void assertPixels(RgbImage img, int[]... rgbPerPixel) {
        int[] actual = new int[3 * rgbPerPixel.length];
        for (int i = 0; i < rgbPerPixel.length; i++) {
            for (int c = 0; c < 3; c++) {
                actual[3 * i + c] = img.get(i % img.width(), i / img.width(), c);
            }
        }
        assertThat(actual).containsExactly(Arrays.stream(rgbPerPixel).flatMapToInt(Arrays::stream).toArray());
    }

    private static ImageFileException.Reason failureOf(Path p) {
        try {
            ImageFiles.read(p);
        } catch (ImageFileException e) {
            assertThat(e.file()).isEqualTo(p);
            assertThat(e.getMessage()).startsWith(p.toString());
            return e.reason();
        }
        throw new AssertionError("reading " + p + " should have failed");
    }

    // ---------------------------------------------------------------- round trips and real photos

    @Test
    void pngWriteThenReadRoundTripsEveryPixel() throws IOException {
        RgbImage img = randomImage(37, 23, 1);
        Path p = dir.resolve("out.png");
        ImageFiles.writePng(p, img);
        assertThat(ImageFiles.read(p)).isEqualTo(img);
    }

    @Test
    void pngTextChunksRoundTripLatin1AndUnicodeValues() throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "a cat, clean, high-resolution, 8k\nsecond line");
        text.put("seed", "42");
        text.put("Comment", "café crème");
        text.put("negative prompt", "ぼやけ, noise 🐱");
        Path p = dir.resolve("meta.png");
        ImageFiles.writePng(p, randomImage(8, 8, 2), text);
        assertThat(ImageFiles.readPngText(p)).containsExactlyInAnyOrderEntriesOf(text);
    }

    @Test
    void overwritingReplacesTheWholeFile() throws IOException {
        Path p = dir.resolve("again.png");
        ImageFiles.writePng(p, randomImage(64, 64, 3), Map.of("step", "1"));
        RgbImage second = randomImage(5, 4, 4);
        ImageFiles.writePng(p, second, Map.of("step", "2"));
        assertThat(ImageFiles.read(p)).isEqualTo(second);
        assertThat(ImageFiles.readPngText(p)).containsExactly(Map.entry("step", "2"));
        assertThat(dir.toFile().list()).containsExactly("again.png");
    }

    /**
     * The pipeline fixture's LR image is a crop of one of the bundled photos (its README: a crop of
     * {@code shared/data/images/hr/}, which {@code fixtures/data/images/hr} mirrors), read by Pillow: reading every
     * bundled photo here must find it pixel for pixel somewhere.
     */
    @Test
    void rgbPhotoReadsAsPillowDidForThePipelineFixture() throws IOException {
        RgbImage lr;
        try (GoldenFixture f = GoldenFixture.open("xpsr_pipeline_tiny")) {
            lr = ImageTensors.fromHwcTensor(f.tensor("input.lr_u8"));
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> photos = Files.list(hrPhotos())) {
            for (Path p : photos.filter(p -> p.toString().endsWith(".png")).sorted().toList()) {
                int[] at = findCrop(ImageFiles.read(p), lr);
                if (at != null) {
                    found.add(p.getFileName() + " at x=" + at[0] + ", y=" + at[1]);
                }
            }
        }
        assertThat(found).as("bundled photos holding the fixture's %dx%d LR image", lr.width(), lr.height())
                .isNotEmpty();
    }

    /** The top-left corner where {@code part} appears in {@code whole} pixel for pixel, or null. */
    private static int[] findCrop(RgbImage whole, RgbImage part) {
        for (int y = 0; y + part.height() <= whole.height(); y++) {
            for (int x = 0; x + part.width() <= whole.width(); x++) {
                if (samePixel(whole, x, y, part, 0, 0) && whole.crop(x, y, part.width(), part.height()).equals(part)) {
                    return new int[] {x, y};
                }
            }
        }
        return null;
    }

    private static boolean samePixel(RgbImage a, int ax, int ay, RgbImage b, int bx, int by) {
        for (int c = 0; c < 3; c++) {
            if (a.get(ax, ay, c) != b.get(bx, by, c)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void greyPhotoBecomesThreeEqualChannels() throws IOException {
        Path p = hrPhotos().resolve("scipy_ascent_gray.png");
        RgbImage img = ImageFiles.read(p);
        BufferedImage grey = ImageIO.read(p.toFile());
        assertThat(img.width()).isEqualTo(grey.getWidth());
        for (int y = 0; y < img.height(); y += 7) {
            for (int x = 0; x < img.width(); x += 5) {
                int g = grey.getRaster().getSample(x, y, 0);
                assertThat(new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)})
                        .containsExactly(g, g, g);
            }
        }
    }

    // ---------------------------------------------------------------- PNG colour types (Pillow convert("RGB"))

    @Test
    void sixteenBitRgbPngKeepsTheHighByte() throws IOException {
        Path p = file("rgb16.png", png(2, 16, TestImageBytes.RGB,
                new byte[][] {shorts(0x1234, 0x5678, 0x9abc, 0xff01, 0x00ff, 0x8080)}));
        assertPixels(ImageFiles.read(p), new int[] {0x12, 0x56, 0x9a}, new int[] {0xff, 0x00, 0x80});
    }

    @Test
    void sixteenBitGreyPngClipsLikePillowModeI() throws IOException {
        // Pillow opens it as mode "I"; Convert.c i2rgb clips values above 255 instead of scaling
        Path p = file("grey16.png", png(3, 16, TestImageBytes.GREY, new byte[][] {shorts(200, 255, 0x1234)}));
        assertPixels(ImageFiles.read(p), new int[] {200, 200, 200}, new int[] {255, 255, 255},
                new int[] {255, 255, 255});
    }

    @Test
    void sixteenBitGreyWithTransparencyStillClips() throws IOException {
        Path p = file("grey16t.png", png(2, 16, TestImageBytes.GREY, new byte[][] {shorts(100, 0x1234)},
                chunk("tRNS", shorts(100))));
        assertPixels(ImageFiles.read(p), new int[] {100, 100, 100}, new int[] {255, 255, 255});
    }

    @Test
    void greyAndGreyAlphaDropAlphaWithoutCompositing() throws IOException {
        Path grey = file("grey.png", png(2, 8, TestImageBytes.GREY, new byte[][] {bytes(10, 200)}));
        Path greyAlpha = file("ga.png", png(2, 8, TestImageBytes.GREY_ALPHA, new byte[][] {bytes(10, 0, 200, 255)}));
        Path greyAlpha16 = file("ga16.png", png(2, 16, TestImageBytes.GREY_ALPHA,
                new byte[][] {shorts(0x1234, 0, 0xabcd, 0xffff)}));
        assertPixels(ImageFiles.read(grey), new int[] {10, 10, 10}, new int[] {200, 200, 200});
        assertPixels(ImageFiles.read(greyAlpha), new int[] {10, 10, 10}, new int[] {200, 200, 200});
        assertPixels(ImageFiles.read(greyAlpha16), new int[] {0x12, 0x12, 0x12}, new int[] {0xab, 0xab, 0xab});
    }

    @Test
    void rgbaDropsAlphaKeepingColourUnderTransparentPixels() throws IOException {
        Path rgba = file("rgba.png", png(2, 8, TestImageBytes.RGBA, new byte[][] {bytes(10, 20, 30, 0, 200, 100,
                50, 128)}));
        Path rgba16 = file("rgba16.png", png(1, 16, TestImageBytes.RGBA, new byte[][] {shorts(0x1234, 0x5678,
                0x9abc, 0)}));
        Path rgbTrns = file("rgbt.png", png(2, 8, TestImageBytes.RGB, new byte[][] {bytes(1, 2, 3, 4, 5, 6)},
                chunk("tRNS", shorts(1, 2, 3))));
        assertPixels(ImageFiles.read(rgba), new int[] {10, 20, 30}, new int[] {200, 100, 50});
        assertPixels(ImageFiles.read(rgba16), new int[] {0x12, 0x56, 0x9a});
        assertPixels(ImageFiles.read(rgbTrns), new int[] {1, 2, 3}, new int[] {4, 5, 6});
    }

    @Test
    void palettePngExpandsThePaletteIgnoringTransparency() throws IOException {
        byte[] plte = chunk("PLTE", bytes(10, 20, 30, 200, 100, 50, 0, 255, 0));
        Path p8 = file("p8.png", png(3, 8, TestImageBytes.PALETTE, new byte[][] {bytes(0, 1, 2)}, plte,
                chunk("tRNS", bytes(0))));
        Path p2 = file("p2.png", png(3, 2, TestImageBytes.PALETTE, new byte[][] {bytes(0b01_00_10_00)}, plte));
        assertPixels(ImageFiles.read(p8), new int[] {10, 20, 30}, new int[] {200, 100, 50}, new int[] {0, 255, 0});
        assertPixels(ImageFiles.read(p2), new int[] {200, 100, 50}, new int[] {10, 20, 30}, new int[] {0, 255, 0});
    }

    @Test
    void lowBitDepthGreyScalesToFullRange() throws IOException {
        Path g1 = file("g1.png", png(2, 1, TestImageBytes.GREY, new byte[][] {bytes(0b0100_0000)}));
        Path g2 = file("g2.png", png(2, 2, TestImageBytes.GREY, new byte[][] {bytes(0b0110_0000)}));
        Path g4 = file("g4.png", png(2, 4, TestImageBytes.GREY, new byte[][] {bytes(0x3c)}));
        assertPixels(ImageFiles.read(g1), new int[] {0, 0, 0}, new int[] {255, 255, 255});
        assertPixels(ImageFiles.read(g2), new int[] {85, 85, 85}, new int[] {170, 170, 170});
        assertPixels(ImageFiles.read(g4), new int[] {51, 51, 51}, new int[] {204, 204, 204});
    }

    // ---------------------------------------------------------------- CMYK / YCCK JPEG

    private static int[] flatBlocks(int[][] samplesPerBlock) {
        int w = 8 * samplesPerBlock.length;
        int[] s = new int[w * 8 * 4];
        for (int i = 0; i < w * 8; i++) {
            System.arraycopy(samplesPerBlock[(i % w) / 8], 0, s, 4 * i, 4);
        }
        return s;
    }

    private static void assertBlocks(RgbImage img, int[]... rgbPerBlock) {
        assertThat(img.width()).isEqualTo(8 * rgbPerBlock.length);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int[] px = {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
                assertThat(px).as("pixel (%d, %d)", x, y).containsExactly(rgbPerBlock[x / 8]);
            }
        }
    }

    private static final int[][] CMYK_BLOCKS = {{255, 0, 128, 200}, {10, 240, 60, 255}, {0, 0, 0, 0},
        {128, 64, 32, 16}};
    /** Pillow 9.4.0 on these blocks: stored Adobe-inverted CMYK, raw mode CMYK;I, then cmyk2rgb. */
    private static final int[][] CMYK_AS_RGB = {{200, 0, 100}, {10, 240, 60}, {0, 0, 0}, {8, 4, 2}};

    @Test
    void cmykJpegIsInvertedAndConvertedAsPillowDoes() throws IOException {
        Path plain = file("cmyk.jpg", TestImageBytes.fourComponentJpeg(32, 8, flatBlocks(CMYK_BLOCKS), -1));
        Path adobe = file("cmyk_adobe.jpg", TestImageBytes.fourComponentJpeg(32, 8, flatBlocks(CMYK_BLOCKS), 0));
        assertBlocks(ImageFiles.read(plain), CMYK_AS_RGB);
        assertBlocks(ImageFiles.read(adobe), CMYK_AS_RGB);
    }

    @Test
    void ycckJpegIsConvertedThroughCmykAsPillowDoes() throws IOException {
        int[][] ycck = {{150, 90, 200, 220}, {30, 200, 70, 100}, {255, 128, 128, 0}, {0, 255, 0, 255}};
        Path p = file("ycck.jpg", TestImageBytes.fourComponentJpeg(32, 8, flatBlocks(ycck), 2));
        // Pillow 9.4.0 on the same file: libjpeg YCCK->CMYK, then CMYK;I and cmyk2rgb
        assertBlocks(ImageFiles.read(p), new int[] {3, 123, 148}, new int[] {100, 82, 38}, new int[] {0, 0, 0},
                new int[] {255, 207, 30});
    }

    // ---------------------------------------------------------------- EXIF orientation

    private static BufferedImage quadrants() {
        BufferedImage bi = new BufferedImage(32, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                bi.setRGB(x, y, x < 16 ? (y < 8 ? 0xff0000 : 0x0000ff) : (y < 8 ? 0x00ff00 : 0xffffff));
            }
        }
        return bi;
    }

    @Test
    void exifOrientation6InAJpegIsRotatedClockwiseByDefault() throws IOException {
        byte[] jpeg = TestImageBytes.jpeg(quadrants(), 1f);
        Path p = file("rotated.jpg", TestImageBytes.withExifOrientation(jpeg, 6));
        RgbImage upright = ImageFiles.read(p);
        assertThat(upright.width()).isEqualTo(16);
        assertThat(upright.height()).isEqualTo(32);
        // stored top-left (red) ends top-right, stored bottom-left (blue) ends top-left
        assertThat(upright.get(12, 4, 0)).isGreaterThan(200);
        assertThat(upright.get(3, 4, 2)).isGreaterThan(200);
        assertThat(upright.get(3, 4, 0)).isLessThan(50);
    }

    @Test
    void exifOrientationIsIgnoredWhenDisabledLikePillowOpen() throws IOException {
        byte[] jpeg = TestImageBytes.jpeg(quadrants(), 1f);
        Path rotated = file("rotated.jpg", TestImageBytes.withExifOrientation(jpeg, 6));
        Path plain = file("plain.jpg", jpeg);
        RgbImage asStored = ImageFiles.read(rotated, ImageFiles.ReadOptions.DEFAULTS.withExifOrientation(false));
        assertThat(asStored).isEqualTo(ImageFiles.read(plain));
        assertThat(asStored.width()).isEqualTo(32);
    }

    @Test
    void everyExifOrientationOfAPngMatchesPillowExifTranspose() throws IOException {
        // stored 3x2 image "abc / def"; expected rows from Pillow 9.4 ImageOps.exif_transpose
        String[] expected = {"abc/def", "cba/fed", "fed/cba", "def/abc", "ad/be/cf", "da/eb/fc", "fc/eb/da",
            "cf/be/ad"};
        byte[][] rows = {bytes(1, 2, 3), bytes(4, 5, 6)};
        for (int o = 1; o <= 8; o++) {
            Path p = file("o" + o + ".png", png(3, 8, TestImageBytes.GREY, rows,
                    chunk("eXIf", TestImageBytes.exifTiff(o))));
            assertThat(letters(ImageFiles.read(p))).as("orientation " + o).isEqualTo(expected[o - 1]);
        }
    }

    private static String letters(RgbImage img) {
        StringBuilder s = new StringBuilder();
        for (int y = 0; y < img.height(); y++) {
            if (y > 0) {
                s.append('/');
            }
            for (int x = 0; x < img.width(); x++) {
                s.append((char) ('a' + img.get(x, y, 0) - 1));
            }
        }
        return s.toString();
    }

    @Test
    void malformedExifIsTreatedAsUpright() throws IOException {
        Path p = file("badexif.png", png(2, 8, TestImageBytes.GREY, new byte[][] {bytes(1, 2)},
                chunk("eXIf", bytes('M', 'M', 0, 42, 0x7f, 0, 0, 0))));
        assertPixels(ImageFiles.read(p), new int[] {1, 1, 1}, new int[] {2, 2, 2});
    }

    // ---------------------------------------------------------------- errors

    @Test
    void truncatedPngIsReportedAsTruncated() throws IOException {
        Path good = dir.resolve("good.png");
        ImageFiles.writePng(good, randomImage(64, 64, 5));
        byte[] all = Files.readAllBytes(good);
        Path cut = file("cut.png", Arrays.copyOf(all, all.length / 2));
        Path headerOnly = file("header.png", Arrays.copyOf(all, 20));
        assertThat(failureOf(cut)).isEqualTo(ImageFileException.Reason.TRUNCATED);
        assertThat(failureOf(headerOnly)).isEqualTo(ImageFileException.Reason.TRUNCATED);
    }

    @Test
    void truncatedJpegIsReportedAsTruncatedEvenWhenOnlyTheEndMarkerIsMissing() throws IOException {
        byte[] jpeg = TestImageBytes.jpeg(quadrants(), 0.9f);
        Path half = file("half.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        Path noEoi = file("noeoi.jpg", Arrays.copyOf(jpeg, jpeg.length - 2));
        assertThat(failureOf(half)).isEqualTo(ImageFileException.Reason.TRUNCATED);
        assertThat(failureOf(noEoi)).isEqualTo(ImageFileException.Reason.TRUNCATED);
    }

    @Test
    void nonImageEmptyAndMissingFilesAreRejectedClearly() throws IOException {
        Path text = file("notes.txt", "this is not an image, just some text\n".repeat(20).getBytes());
        Path empty = file("empty.png", new byte[0]);
        assertThat(failureOf(text)).isEqualTo(ImageFileException.Reason.NOT_AN_IMAGE);
        assertThat(failureOf(empty)).isEqualTo(ImageFileException.Reason.NOT_AN_IMAGE);
        assertThat(failureOf(dir.resolve("missing.png"))).isEqualTo(ImageFileException.Reason.NOT_FOUND);
        assertThat(failureOf(dir)).isEqualTo(ImageFileException.Reason.UNREADABLE);
    }

    @Test
    void corruptPngDataIsReportedAsCorrupt() throws IOException {
        byte[] bad = png(4, 8, TestImageBytes.RGB, new byte[][] {new byte[12], new byte[12]});
        int idat = indexOf(bad, "IDAT".getBytes()) + 4;
        bad[idat] ^= 0x55;
        Path p = file("bad.png", bad);
        assertThat(failureOf(p)).isIn(ImageFileException.Reason.CORRUPT, ImageFileException.Reason.TRUNCATED);
    }

    private static int indexOf(byte[] data, byte[] what) {
        for (int i = 0; i + what.length <= data.length; i++) {
            if (Arrays.equals(data, i, i + what.length, what, 0, what.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void decompressionBombIsRefusedFromTheHeaderBeforeDecoding() throws IOException {
        // a valid IHDR (correct CRC) declaring 10^10 pixels and no image data: only the header check can refuse it
        byte[] bomb = concat(TestImageBytes.PNG_SIGNATURE, TestImageBytes.ihdr(100_000, 100_000, 8, TestImageBytes.RGB),
                chunk("IEND", new byte[0]));
        Path p = file("bomb.png", bomb);
        assertThatThrownBy(() -> ImageFiles.read(p))
                .isInstanceOfSatisfying(ImageFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageFileException.Reason.TOO_LARGE))
                .hasMessageContaining(p.toString()).hasMessageContaining("100000x100000");
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        Path p = dir.resolve("small.png");
        ImageFiles.writePng(p, randomImage(40, 30, 6));
        assertThat(ImageFiles.read(p, ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(1200)).width()).isEqualTo(40);
        assertThatThrownBy(() -> ImageFiles.read(p, ImageFiles.ReadOptions.DEFAULTS.withMaxPixels(1199)))
                .isInstanceOfSatisfying(ImageFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageFileException.Reason.TOO_LARGE));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void writingIntoAFolderThatIsARegularFileFailsClearly() throws IOException {
        Path notAFolder = file("file.txt", "x".getBytes());
        Path target = notAFolder.resolve("out.png");
        assertThatThrownBy(() -> ImageFiles.writePng(target, randomImage(4, 4, 7)))
                .isInstanceOfSatisfying(ImageFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageFileException.Reason.NOT_WRITABLE))
                .hasMessageContaining(target.toString());
        assertThat(dir.toFile().list()).containsExactly("file.txt");
    }

    @Test
    void failedWriteLeavesNeitherOutputNorTemporaryFile() throws IOException {
        Path occupied = dir.resolve("taken.png");
        Files.createDirectory(occupied);
        Files.write(occupied.resolve("keep.txt"), new byte[1]);
        assertThatThrownBy(() -> ImageFiles.writePng(occupied, randomImage(16, 16, 8), Map.of("k", "v")))
                .isInstanceOfSatisfying(ImageFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageFileException.Reason.NOT_WRITABLE));
        assertThat(dir.toFile().list()).containsExactly("taken.png");
        assertThat(Files.isDirectory(occupied)).isTrue();
    }

    @Test
    void invalidTextKeywordIsRejectedBeforeAnythingIsWritten() {
        Path p = dir.resolve("never.png");
        assertThatThrownBy(() -> ImageFiles.writePng(p, randomImage(2, 2, 9), Map.of(" bad key", "v")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageFiles.writePng(p, randomImage(2, 2, 9), Map.of("k", "nul\0")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(p).doesNotExist();
    }

    @Test
    void readingPngTextOfAJpegIsUnsupported() throws IOException {
        Path p = file("photo.jpg", TestImageBytes.jpeg(quadrants(), 0.9f));
        assertThatThrownBy(() -> ImageFiles.readPngText(p))
                .isInstanceOfSatisfying(ImageFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(ImageFileException.Reason.UNSUPPORTED));
    }
}
