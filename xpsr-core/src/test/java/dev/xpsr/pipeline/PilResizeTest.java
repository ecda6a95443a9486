package dev.xpsr.pipeline;

import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Pillow filter, down- and upsampling, against outputs of Pillow 9.4.0 ({@code python3-pil
 * 9.4.0-1.1+deb12u1}, the reference version) for a 7x5 test pattern; the golden fixtures cover BICUBIC and
 * BILINEAR only.
 */
class PilResizeTest {

    /** R, G, B of pixel (x, y) = (37x + 91y + 53c + 29xy) mod 256. */
    private static RgbImage pattern() {
        int w = 7;
        int h = 5;
        byte[] px = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    px[(y * w + x) * 3 + c] = (byte) ((37 * x + 91 * y + 53 * c + 29 * x * y) % 256);
                }
            }
        }
        return RgbImage.of(w, h, px);
    }

    static Stream<Arguments> pillowOutputs() {
        return Stream.of(
            Arguments.of(PilResize.Filter.NEAREST, 3, 2,
                    "9dd20721568ba5da0f8dc2f785baef7db2e7"),
            Arguments.of(PilResize.Filter.NEAREST, 9, 6,
                    "00356a255a8f255a8f4a7fb46fa4d994c9feb9ee23b9ee23de13485b90c59dd2079dd207df144921568b6398cda5da0f"
                    + "a5da0fe71c51b6eb20154a7f154a7f74a9ded3083d32679c91c6fb91c6fbf0255ab6eb20154a7f154a7f74a9ded3083d"
                    + "32679c91c6fb91c6fbf0255a11467b8dc2f78dc2f7093e7385baef01366b7db2e77db2e7f92e636ca1d6053a6f053a6f"
                    + "9ed308376ca1d0053a699ed3699ed302376c"),
            Arguments.of(PilResize.Filter.BOX, 3, 2,
                    "5287667672a7c67b5b4479ae5e6973796ea3"),
            Arguments.of(PilResize.Filter.BOX, 9, 6,
                    "00356a255a8f255a8f4a7fb46fa4d994c9feb9ee23b9ee23de13485b90c59dd2079dd207df144921568b6398cda5da0f"
                    + "a5da0fe71c51b6eb20154a7f154a7f74a9ded3083d32679c91c6fb91c6fbf0255ab6eb20154a7f154a7f74a9ded3083d"
                    + "32679c91c6fb91c6fbf0255a11467b8dc2f78dc2f7093e7385baef01366b7db2e77db2e7f92e636ca1d6053a6f053a6f"
                    + "9ed308376ca1d0053a699ed3699ed302376c"),
            Arguments.of(PilResize.Filter.BILINEAR, 3, 2,
                    "607f7272769aae886d51838d666d8e836898"),
            Arguments.of(PilResize.Filter.BILINEAR, 9, 6,
                    "00356a194e83356a9f5287bc6fa4d98cc1f6a9de84c5a52fde13484479ae6ca1559979439c3c71356a9f6297cc90c56b"
                    + "be9e28e51a4f90c5656499557278729b5c9189295e55699e75aaa3b59582ec215671a646558a8d477cb15f73a8b25287"
                    + "3f5287598ec3ac8cc1f4295e285d92558abf50859d3e737672a7dc42457a5a73a88e84b9bb30656ca1d6275c91497e41"
                    + "87bc2a376ca1ae1c51975a8f477cb102376c"),
            Arguments.of(PilResize.Filter.HAMMING, 3, 2,
                    "5d836b6e70a1b88b584c8199646e8e846ea2"),
            Arguments.of(PilResize.Filter.HAMMING, 9, 6,
                    "00356a1f548933689d4c81b66fa4d992c7fcabe075bfc929de13485489be89be2eac882aca2055275c916398cd8ec358"
                    + "b1bb1be61b5099ce544f84585f76799675aa9b20554672a777acafa6b0a2ed225782b73d477c934378ad5883b8bb4075"
                    + "2b568b6499ce9ca6dbf3285d184d8271a6db5a8fbc1a4f727fb4e917396e5482b78e9bd0e62f646ca1d6164b803e7349"
                    + "98cd11376ca1c70b408f659a588dc202376c"),
            Arguments.of(PilResize.Filter.BICUBIC, 3, 2,
                    "5f7d6e7078a3b58a6951878f646a8882649d"),
            Arguments.of(PilResize.Filter.BICUBIC, 9, 6,
                    "0030641246823069a44e8bc072a7dc8ec3ffaaf082c8aa1fe0094a3e72c46fb44cb27d27ac2267266da25d9ae093d85e"
                    + "c2a40ce71052a7dc615e9b4370776eb05e9b8e164b4c629f6cbcb0ba9d86f0195379ae2d538792347bcd5579b9c54d82"
                    + "2a497d439adab895d8ff2256154a925f94d35589a12b65676eb5ea33396f4e74a9958ec3c72b6075aadf184d9544792e"
                    + "98d21a34699ec00943a95d923d88bd003267"),
            Arguments.of(PilResize.Filter.LANCZOS, 3, 2,
                    "61786c6d7da8b78c6a558b8c62698782619e"),
            Arguments.of(PilResize.Filter.LANCZOS, 9, 6,
                    "0031600f42822d6cad4b8ec076a7dc90bbffa6ff86c9a31be0044e3262cb66b957c57f18a219682177ac589aec96e757"
                    + "c39f00e70c58bdf0685e9f31707666ca5d958c053a4e519465cfbebd9680e9165376ac175a84901779f5527cc4d64f84"
                    + "2843721fa8f3ce94e0ff1d4f0d42986198dc5d888f2b656064baef3b377048719f9792c2be265c7eb3de11469e467717"
                    + "9ce01f34659abd0041c1608f2f8dc2002d62"));
    }

    @ParameterizedTest(name = "{0} to {1}x{2}")
    @MethodSource("pillowOutputs")
    void resizeMatchesPillowBitForBit(PilResize.Filter filter, int width, int height, String expectedHex) {
        RgbImage out = PilResize.resize(pattern(), width, height, filter);
        assertThat(HexFormat.of().formatHex(out.toHwcBytes())).isEqualTo(expectedHex);
    }

    @Test
    void sameSizeReturnsTheImageUnchanged() {
        RgbImage img = pattern();
        assertThat(PilResize.resize(img, 7, 5, PilResize.Filter.LANCZOS)).isEqualTo(img);
    }

    @Test
    void torchvisionResizeTruncatesTheLongerSide() {
        RgbImage landscape = RgbImage.filled(160, 96, 1, 2, 3);
        RgbImage portrait = RgbImage.filled(96, 160, 1, 2, 3);
        RgbImage l = PilResize.torchvisionResizeShorter(landscape, 128, PilResize.Filter.BILINEAR);
        RgbImage p = PilResize.torchvisionResizeShorter(portrait, 128, PilResize.Filter.BILINEAR);
        // int(128 * 160 / 96) = int(213.33) = 213
        assertThat(new int[] {l.width(), l.height(), p.width(), p.height()}).containsExactly(213, 128, 128, 213);
    }
}
