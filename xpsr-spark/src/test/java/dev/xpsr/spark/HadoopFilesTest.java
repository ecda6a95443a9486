package dev.xpsr.spark;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Listing inputs the way the upscale job names them: relative to the folder or the glob's fixed part. */
class HadoopFilesTest {
    @TempDir
    Path tmp;

    private void touch(String relative) throws Exception {
        Path p = tmp.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
    }

    @Test
    void foldersAndGlobsGiveImagesByRelativePathWithoutHiddenNames() throws Exception {
        for (String f : new String[] {"a.png", "set/b.JPG", "set/c.txt", "set/.d.png.1234.tmp", "_xpsr/e.png",
                "set/deep/f.webp"}) {
            touch(f);
        }
        Configuration conf = new Configuration();

        assertThat(HadoopFiles.listImages(tmp.toString(), conf)).extracting(HadoopFiles.Found::relative)
                .containsExactly("a.png", "set/b.JPG", "set/deep/f.webp");
        assertThat(HadoopFiles.listImages(tmp.resolve("set/*").toString(), conf))
                .extracting(HadoopFiles.Found::relative).containsExactly("b.JPG", "deep/f.webp");
        assertThat(HadoopFiles.listImages(tmp.resolve("*/deep/*.webp").toString(), conf))
                .extracting(HadoopFiles.Found::relative).containsExactly("set/deep/f.webp");
        assertThat(HadoopFiles.listImages(tmp.resolve("a.png").toUri().toString(), conf)).singleElement()
                .satisfies(f -> assertThat(f.uri()).isEqualTo(tmp.resolve("a.png").toUri().toString()
                        .replace("file:///", "file:/")));
        assertThat(HadoopFiles.listFiles(tmp.toString(), conf)).contains("a.png", "set/c.txt")
                .doesNotContain("_xpsr/e.png", "set/.d.png.1234.tmp");
        assertThat(HadoopFiles.listFiles(tmp.resolve("not-yet").toString(), conf)).isEmpty();
        assertThatThrownBy(() -> HadoopFiles.listImages(tmp.resolve("missing").toString(), conf))
                .isInstanceOf(FileNotFoundException.class).hasMessageContaining("missing does not exist");
        assertThatThrownBy(() -> HadoopFiles.listImages(tmp.resolve("*.gif").toString(), conf))
                .isInstanceOf(FileNotFoundException.class).hasMessageContaining("no file matches");
    }

    @Test
    void anOutputIsNamedByItsRelativePathAsPng() {
        assertThat(UpscaleInputs.outputName("a/b.c/photo.jpeg")).isEqualTo("a/b.c/photo.png");
        assertThat(UpscaleInputs.outputName("noextension")).isEqualTo("noextension.png");
        assertThat(UpscaleInputs.outputName("dir.d/.hidden")).isEqualTo("dir.d/.hidden.png");
    }
}
