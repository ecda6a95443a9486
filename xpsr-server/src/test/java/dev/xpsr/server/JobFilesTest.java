package dev.xpsr.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobFilesTest {
    @TempDir
    Path data;

    @Test
    void uploadsLiveInTheirJobsFolderAndFoldersWithoutAJobAreRemoved() throws Exception {
        JobFiles files = new JobFiles(data);
        String kept = JobIds.next();
        String stray = JobIds.next();
        assertThat(files.writeInput(kept, new byte[] {1, 2, 3}, "png")).isEqualTo("input.png");
        files.writeInput(stray, new byte[] {4}, "jpg");
        assertThat(data.resolve("jobs/" + kept + "/input.png")).hasBinaryContent(new byte[] {1, 2, 3});

        assertThat(files.removeStrays(Set.of(kept))).isEqualTo(1);
        assertThat(data.resolve("jobs/" + stray)).doesNotExist();
        assertThat(data.resolve("jobs/" + kept)).exists();
        files.delete(kept);
        assertThat(Files.list(data.resolve("jobs"))).isEmpty();
    }

    @Test
    void onlyJobIdsNameFolders() {
        JobFiles files = new JobFiles(data);
        assertThatThrownBy(() -> files.result("../../etc")).hasMessageContaining("not a job id: '../../etc'");
        assertThat(JobIds.isValid(JobIds.next())).isTrue();
        assertThat(JobIds.next()).isNotEqualTo(JobIds.next());
    }
}
