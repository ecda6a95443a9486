package dev.xpsr.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the EXIF reader ({@link ExifOrientation#parse}, the TIFF structure of a JPEG's APP1 segment or a PNG's
 * eXIf chunk): any bytes give an orientation from 1 to 8, 1 when there is none or it cannot be read, since a
 * damaged EXIF block must not stop a photo from loading.
 */
class ExifOrientationFuzzTest {
    @Timeout(60)
    @FuzzTest
    void anyExifBlockGivesAnOrientationFromOneToEight(byte[] exif) {
        assertThat(ExifOrientation.parse(exif)).isBetween(1, 8);
    }
}
