package dev.xpsr.server;

/**
 * What one server accepts, so that no client can exhaust its memory, disk or workers.
 *
 * @param queueCapacity   jobs waiting to run (running ones not counted); a submission beyond it gets 429
 * @param maxUploadBytes  largest upload; more gets 413
 * @param maxPixels       largest width × height of an upload, read from its header before decoding; more gets 413
 * @param maxSteps        most denoising steps a job may ask for
 * @param maxEventStreams server-sent event streams open at once; more get 429
 */
public record ServerLimits(int queueCapacity, long maxUploadBytes, long maxPixels, int maxSteps, int maxEventStreams) {
    /** 16 waiting jobs, 20 MiB uploads, 2048 × 2048 pixels (an 8192 × 8192 output), 100 steps, 64 streams. */
    public static final ServerLimits DEFAULTS = new ServerLimits(16, 20L << 20, 2048L * 2048, 100, 64);

    public ServerLimits {
        require(queueCapacity >= 1, "queueCapacity", queueCapacity);
        require(maxUploadBytes >= 1, "maxUploadBytes", maxUploadBytes);
        require(maxPixels >= 1, "maxPixels", maxPixels);
        require(maxSteps >= 1 && maxSteps <= 1000, "maxSteps", maxSteps);
        require(maxEventStreams >= 1, "maxEventStreams", maxEventStreams);
    }

    public ServerLimits withQueueCapacity(int v) {
        return new ServerLimits(v, maxUploadBytes, maxPixels, maxSteps, maxEventStreams);
    }

    public ServerLimits withMaxUploadBytes(long v) {
        return new ServerLimits(queueCapacity, v, maxPixels, maxSteps, maxEventStreams);
    }

    public ServerLimits withMaxPixels(long v) {
        return new ServerLimits(queueCapacity, maxUploadBytes, v, maxSteps, maxEventStreams);
    }

    public ServerLimits withMaxSteps(int v) {
        return new ServerLimits(queueCapacity, maxUploadBytes, maxPixels, v, maxEventStreams);
    }

    private static void require(boolean ok, String field, long value) {
        if (!ok) {
            String range = field.equals("maxSteps") ? "between 1 and 1000" : "at least 1";
            throw new IllegalArgumentException(field + " must be " + range + ", got " + value);
        }
    }
}
