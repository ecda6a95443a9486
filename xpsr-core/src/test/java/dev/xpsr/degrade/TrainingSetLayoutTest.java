package dev.xpsr.degrade;

import dev.xpsr.io.ImageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingSetLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void flatLayoutNamesPairsByImageAndNumbersThemOnlyWhenThereAreSeveral() {
        Path out = Path.of("out");
        assertThat(new TrainingSetLayout(out, null, 1, 0).slots("sub/cat")).singleElement().satisfies(s -> {
            assertThat(s.hr()).isEqualTo(Path.of("out/HR/sub/cat.png"));
            assertThat(s.lr()).isEqualTo(Path.of("out/LR/sub/cat.png"));
        });
        List<TrainingSetLayout.Slot> two = new TrainingSetLayout(out, null, 2, 0).slots("cat");
        assertThat(two).extracting(TrainingSetLayout.Slot::lr)
                .containsExactly(Path.of("out/LR/cat_0.png"), Path.of("out/LR/cat_1.png"));
    }

    @Test
    void xpsrLayoutPutsPairKInDatasetFolderIndexPlusK() {
        List<TrainingSetLayout.Slot> slots = new TrainingSetLayout(Path.of("trainset"), 10, 2, 5).slots("a/b");
        assertThat(slots).extracting(TrainingSetLayout.Slot::hr)
                .containsExactly(Path.of("trainset/dataset_10/HR/a/b.png"), Path.of("trainset/dataset_11/HR/a/b.png"));
        assertThat(slots).extracting(TrainingSetLayout.Slot::index).containsExactly(10, 11);
    }

    @Test
    void pairSeedsDependOnlyOnSeedNameAndIndexAndDoNotCollide() {
        // the same folder gets the same seed whichever run (flat pair k = dataset k) made it
        assertThat(new TrainingSetLayout(Path.of("o"), 3, 1, 9).slots("x").get(0).seed())
                .isEqualTo(new TrainingSetLayout(Path.of("p"), 0, 4, 9).slots("x").get(3).seed())
                .isEqualTo(TrainingSetLayout.sampleSeed(9, "x", 3));
        Set<Long> seen = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            for (String name : List.of("a", "b", "sub/a", "ab", "ba")) {
                for (int k = 0; k < 50; k++) {
                    assertThat(seen.add(TrainingSetLayout.sampleSeed(seed, name, k))).isTrue();
                }
            }
        }
    }

    @Test
    void pairNameIsTheRelativePathWithoutExtension() {
        Path root = Path.of("/data/hr");
        assertThat(TrainingSetLayout.pairName(root, root.resolve("sub/dir/img.01.jpg"))).isEqualTo("sub/dir/img.01");
        assertThat(TrainingSetLayout.pairName(root, root.resolve("x.png"))).isEqualTo("x");
    }

    @Test
    void sourcesSkipOutputFoldersHiddenFilesAndOtherTypesAndFlagNameClashes() throws Exception {
        Path hr = Files.createDirectories(tmp.resolve("hr"));
        for (String f : List.of("a.png", "a.jpg", "b.JPEG", "notes.txt", ".hidden.png", "sub/c.tif",
                "HR/old.png", "dataset_2/LR/old.png", ".cache/d.png")) {
            Path p = hr.resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[] {1});
        }
        // output into the HR folder itself: its HR/, LR/ and dataset_<n>/ folders are not inputs
        TrainingSetLayout layout = new TrainingSetLayout(hr, null, 1, 0);
        List<TrainingSetWriter.Source> sources = TrainingSetWriter.findSources(hr, layout);
        assertThat(sources).extracting(s -> hr.relativize(s.file()).toString())
                .containsExactly("a.jpg", "a.png", "b.JPEG", "sub/c.tif");
        assertThat(sources.get(0).conflictsWith()).isNull();
        assertThat(sources.get(1).conflictsWith()).isEqualTo(hr.resolve("a.jpg"));

        TrainingSetWriter writer = new TrainingSetWriter(new TrainingPairMaker(DegradationPreset.defaults(),
                TrainingPairMaker.Options.DEFAULTS), layout, ImageFiles.ReadOptions.DEFAULTS);
        TrainingSetWriter.Outcome clash = writer.process(sources.get(1));
        assertThat(clash.status()).isEqualTo(TrainingSetWriter.Status.FAILED);
        assertThat(clash.detail()).contains("same pair name 'a'", "a.jpg");
        TrainingSetWriter.Outcome tiny = writer.process(sources.get(0));
        assertThat(tiny.status()).isEqualTo(TrainingSetWriter.Status.SKIPPED);
        assertThat(tiny.detail()).isEqualTo("file under 102400 bytes");
    }
}
