package dev.xpsr.prompt;

import dev.xpsr.io.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/** An image as a model server receives it: PNG bytes (ImageIO's encoder, lossless) in base64. */
public final class ImagePayload {
    private ImagePayload() {
    }

    /** The image as PNG, base64-encoded (what Ollama's {@code images} takes). */
    public static String pngBase64(RgbImage image) {
        return Base64.getEncoder().encodeToString(png(image));
    }

    /** The image as a {@code data:image/png;base64,…} URL (what OpenAI's {@code image_url} takes). */
    public static String pngDataUrl(RgbImage image) {
        return "data:image/png;base64," + pngBase64(image);
    }

    static byte[] png(RgbImage image) {
        BufferedImage bi = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] rgb = image.toHwcBytes();
        byte[] bgr = ((java.awt.image.DataBufferByte) bi.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(bi, "png", out)) {
                throw new IllegalStateException("this JDK has no ImageIO PNG writer");
            }
        } catch (IOException e) {
            // writing to memory cannot fail for I/O reasons
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
