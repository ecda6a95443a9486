package dev.xpsr.spark;

import java.net.URI;
import java.nio.file.Path;

/**
 * The folders of the degrade and eval jobs. Those jobs run xpsr-core's own per-image routines, which read and write
 * through the local file system, so each folder is a local path (or a {@code file:} URI) that every executor sees
 * at the same place: a shared mount (NFS, a parallel file system, a FUSE-mounted bucket) on a cluster, the local
 * disk in local mode.
 */
final class LocalPaths {
    private LocalPaths() {
    }

    /**
     * The local path of {@code pathOrUri}.
     *
     * @param what how to name it in an error, e.g. {@code HR folder}
     * @throws IllegalArgumentException for another scheme, saying what to do
     */
    static Path of(String pathOrUri, String what) {
        URI uri = URI.create(pathOrUri.replace(" ", "%20"));
        if (uri.getScheme() == null) {
            return Path.of(pathOrUri);
        }
        if (uri.getScheme().equals("file")) {
            return Path.of(uri);
        }
        throw new IllegalArgumentException(what + " " + pathOrUri + " is on a " + uri.getScheme() + ": file system; "
                + "this job reads and writes local paths: mount it at the same path on every executor (NFS, a FUSE "
                + "mount of the bucket) and pass that path");
    }
}
