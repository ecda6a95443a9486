package dev.xpsr.eval;

import dev.xpsr.io.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Matching by name without extension, and the size policies. */
class FolderPairsTest {
    @TempDir
    Path tmp;

    private Path touch(String rel) throws Exception {
        Path p = tmp.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        return p;
    }

    @Test
    void matchesByStemAcrossExtensionsAndSubFoldersAndListsTheRest() throws Exception {
        Path a = touch("hr/0801.png");
        Path b = touch("hr/sub/x.PNG");
        touch("hr/only.png");
        touch("hr/twice.png");
        touch("hr/twice.jpg");
        touch("hr/notes.txt");
        touch("hr/.0802.png.1234.tmp");
        Path sa = touch("sr/0801.jpg");
        Path sb = touch("sr/sub/x.png");
        touch("sr/extra.webp");
        touch("sr/twice.png");
        Path la = touch("lr/0801.bmp");

        FolderPairs p = FolderPairs.match(tmp.resolve("hr"), tmp.resolve("sr"), tmp.resolve("lr"));

        assertThat(p.matches()).containsExactly(new FolderPairs.Match("0801", a, sa, la),
                new FolderPairs.Match("sub/x", b, sb, null));
        assertThat(p.onlyHr()).containsExactly(tmp.resolve("hr/only.png"));
        assertThat(p.onlySr()).containsExactly(tmp.resolve("sr/extra.webp"), tmp.resolve("sr/twice.png"));
        assertThat(p.ambiguous()).singleElement().asString().startsWith("twice: 2 files of that name (")
                .contains(tmp.resolve("hr/twice.jpg").toString(), tmp.resolve("hr/twice.png").toString());
        assertThat(p.complete()).isFalse();
    }

    @Test
    void aLinkedFolderLeadingOutOfTheSrFolderIsNotSearched() throws Exception {
        Path hrSecret = touch("hr/linked/secret.png");
        touch("hr/kept.png");
        touch("sr/kept.png");
        touch("outside/secret.png");
        Files.createSymbolicLink(tmp.resolve("sr/linked"), tmp.resolve("outside"));

        FolderPairs p = FolderPairs.match(tmp.resolve("hr"), tmp.resolve("sr"), null);

        // report names come from the folders' own files: nothing behind the link is read or named
        assertThat(p.matches()).extracting(FolderPairs.Match::name).containsExactly("kept");
        assertThat(p.onlyHr()).containsExactly(hrSecret);
        assertThat(p.onlySr()).isEmpty();
    }

    @Test
    void aMissingFolderIsNamed() {
        assertThatThrownBy(() -> FolderPairs.match(tmp.resolve("nope"), tmp, null))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining(tmp.resolve("nope").toString());
    }

    @Test
    void sizePoliciesRefuseResizeOrCropNamingBothSizes() {
        RgbImage sr = RgbImage.filled(12, 10, 1, 2, 3);
        RgbImage hr = RgbImage.filled(10, 10, 1, 2, 3);
        assertThatThrownBy(() -> SizePolicy.ERROR.align(sr, hr, "a.png vs b.png"))
                .hasMessage("a.png vs b.png: restored image is 12x10 but the ground truth is 10x10 (use --resize "
                        + "bicubic or crop to score it anyway)");
        RgbImage[] cropped = SizePolicy.CROP.align(sr, hr, "x");
        assertThat(List.of(cropped[0].width(), cropped[0].height(), cropped[1].width())).containsExactly(10, 10, 10);
        RgbImage[] resized = SizePolicy.BICUBIC.align(sr, hr, "x");
        assertThat(resized[0]).isEqualTo(hr);
        assertThat(SizePolicy.parse("Crop")).isEqualTo(SizePolicy.CROP);
    }
}
