package dev.xpsr.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How many restorations an executor runs at once, on how many threads, and on which device. */
class TaskSlotsTest {
    private static TaskSlots slots(String master, String... settings) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        for (int i = 0; i < settings.length; i += 2) {
            conf.set(settings[i], settings[i + 1]);
        }
        return TaskSlots.of(conf);
    }

    @Test
    void executorCoresComeFromTheLocalMasterOrTheExecutorSettingAndAreSharedByTaskCpus() {
        assertThat(slots("local")).isEqualTo(new TaskSlots(1, 1));
        assertThat(slots("local[2,2]").concurrent()).isEqualTo(2);
        assertThat(slots("local[*]").executorCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(slots("local-cluster[2, 3, 1024]").executorCores()).isEqualTo(3);
        TaskSlots cluster = slots("spark://master:7077", "spark.executor.cores", "8", "spark.task.cpus", "4");
        assertThat(cluster.concurrent()).isEqualTo(2);
        assertThat(cluster.taskCpus()).isEqualTo(4);
        assertThat(slots("k8s://https://api:6443", "spark.executor.cores", "2", "spark.task.cpus", "4").concurrent())
                .as("a task wider than its executor still runs").isEqualTo(1);
        assertThatThrownBy(() -> slots("local[2]", "spark.task.cpus", "0")).hasMessageContaining("spark.task.cpus");
    }

    @Test
    void cudaMeansTheGpuSparkAssignedToTheTask() {
        Map<String, ResourceInformation> gpu3 = Map.of(TaskDevice.GPU,
                new ResourceInformation(TaskDevice.GPU, new String[] {"3"}));
        assertThat(TaskDevice.resolve("cuda", gpu3)).isEqualTo("cuda:3");
        assertThat(TaskDevice.resolve("cuda", Map.of())).isEqualTo("cuda:0");
        assertThat(TaskDevice.resolve("cuda:1", gpu3)).as("an explicit index is kept").isEqualTo("cuda:1");
        assertThat(TaskDevice.resolve("cpu", gpu3)).isEqualTo("cpu");
    }
}
