package dev.xpsr.server;

import java.util.Locale;

/** The life of a server job, as the API and the database name it. */
public enum JobState {
    QUEUED, RUNNING, DONE, FAILED, CANCELLED;

    /** The lower-case name used in JSON and in the database. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the job will not change any more (its files can be deleted). */
    public boolean finished() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }

    /** The state named {@code id}. */
    public static JobState parse(String id) {
        for (JobState s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("state must be one of queued, running, done, failed, cancelled, got '"
                + id + "'");
    }
}
