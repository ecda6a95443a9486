package dev.xpsr.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

import java.util.Map;

/**
 * The device a task's networks run on. {@code cuda} without an index means "the GPU Spark gave this task": with
 * GPU scheduling ({@code spark.executor.resource.gpu.amount=1}, {@code spark.task.resource.gpu.amount}, a discovery
 * script) each executor owns one GPU and every task it runs is handed that GPU's address, so {@code cuda} becomes
 * {@code cuda:<address>}. Without GPU scheduling it is device 0 (each executor then sees only the GPU its
 * container or {@code CUDA_VISIBLE_DEVICES} exposes). {@code cpu} and an explicit {@code cuda:N} are kept.
 */
final class TaskDevice {
    /** The resource name Spark's GPU scheduling uses. */
    static final String GPU = "gpu";

    private TaskDevice() {
    }

    /** The device for the task running on this thread (any device outside a task stays as requested). */
    static String resolve(String requested) {
        TaskContext task = TaskContext.get();
        return resolve(requested, task == null ? Map.of() : task.resourcesJMap());
    }

    static String resolve(String requested, Map<String, ResourceInformation> resources) {
        if (!requested.equals("cuda")) {
            return requested;
        }
        ResourceInformation gpu = resources.get(GPU);
        if (gpu == null || gpu.addresses().length == 0) {
            return "cuda:0";
        }
        return "cuda:" + gpu.addresses()[0];
    }
}
