package dev.xpsr.server;

import java.time.Instant;
import java.util.Optional;

/**
 * One job as the database holds it.
 *
 * @param id              the job's id in URLs
 * @param name            the uploaded file's name (no folders)
 * @param inputFile       the uploaded bytes' file name inside the job's folder
 * @param options         the accepted options as normalised JSON ({@link JobOptions#toJson})
 * @param state           where it stands
 * @param cancelRequested whether a client asked to cancel it while it ran
 * @param attempts        how often a worker started it (more than one after a restart cut a run)
 * @param createdAt       when it was accepted
 * @param startedAt       when its last run started
 * @param finishedAt      when it finished
 * @param error           why it failed
 * @param prompts         the prompts it used and their source, as JSON, once done (XPSR only)
 * @param seconds         the restoration's wall time, once done
 */
public record JobRecord(String id, String name, String inputFile, String options, JobState state,
                        boolean cancelRequested, int attempts, Instant createdAt, Optional<Instant> startedAt,
                        Optional<Instant> finishedAt, Optional<String> error, Optional<String> prompts,
                        Optional<Double> seconds) {
}
