package dev.xpsr.spark;

import dev.xpsr.io.ImageFileException;
import dev.xpsr.io.ImageFiles;
import dev.xpsr.io.RgbImage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Image files on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}, ...), as the Spark jobs use
 * them. The local file system goes straight through {@link ImageFiles} (atomic, fsynced writes). Any other one is
 * staged through a local temporary file: an input is copied down and decoded there; an output is encoded there,
 * copied up next to its target under a hidden temporary name and renamed over the target, so a reader never sees
 * a partial file. Names starting with {@code .} or {@code _} are hidden, as in Hadoop's own input listings (the
 * temporary files, the results table).
 */
final class HadoopFiles {
    private HadoopFiles() {
    }

    /**
     * An image file and its path relative to the folder it was found in.
     *
     * @param uri      the fully qualified file, e.g. {@code hdfs://nn:8020/photos/a/b.jpg}
     * @param relative '/'-separated, e.g. {@code a/b.jpg}
     */
    record Found(String uri, String relative) implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
    }

    /**
     * The image files (by extension, {@link ImageFiles#EXTENSIONS}) of a folder (recursively), a glob such as
     * {@code s3a://bucket/set/*.png} (relative to the glob's last wildcard-free folder) or a single file, sorted by
     * relative path; hidden names are left out.
     *
     * @throws FileNotFoundException when nothing is there, naming the path
     */
    static List<Found> listImages(String dirOrGlob, Configuration conf) throws IOException {
        Path path = new Path(dirOrGlob);
        FileSystem fs = path.getFileSystem(conf);
        List<Found> out = new ArrayList<>();
        if (hasWildcard(path)) {
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new FileNotFoundException("no file matches " + dirOrGlob);
            }
            Path root = fs.makeQualified(wildcardFreeParent(path));
            for (FileStatus s : matches) {
                addImages(fs, s, root, out);
            }
        } else {
            FileStatus s;
            try {
                s = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw new FileNotFoundException("input " + dirOrGlob + " does not exist");
            }
            addImages(fs, s, fs.makeQualified(s.isDirectory() ? path : path.getParent()), out);
        }
        out.sort(Comparator.comparing(Found::relative));
        return out;
    }

    /** The relative paths of every visible file under {@code dir}; empty when the folder does not exist yet. */
    static Set<String> listFiles(String dir, Configuration conf) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem(conf);
        Set<String> out = new HashSet<>();
        if (!fs.exists(root)) {
            return out;
        }
        Path qualified = fs.makeQualified(root);
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
        while (it.hasNext()) {
            String rel = relative(qualified, it.next().getPath());
            if (!hidden(rel)) {
                out.add(rel);
            }
        }
        return out;
    }

    private static void addImages(FileSystem fs, FileStatus s, Path root, List<Found> out) throws IOException {
        if (s.isDirectory()) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(s.getPath(), true);
            while (it.hasNext()) {
                addImage(it.next().getPath(), root, out);
            }
        } else {
            addImage(s.getPath(), root, out);
        }
    }

    private static void addImage(Path file, Path root, List<Found> out) {
        String rel = relative(root, file);
        if (!hidden(rel) && isImageName(file.getName())) {
            out.add(new Found(file.toString(), rel));
        }
    }

    /** {@code file} relative to {@code root} ('/'-separated, decoded); both qualified. */
    static String relative(Path root, Path file) {
        return root.toUri().relativize(file.toUri()).getPath();
    }

    private static Path wildcardFreeParent(Path glob) {
        Path p = glob;
        while (p.getParent() != null && hasWildcard(p)) {
            p = p.getParent();
        }
        return p;
    }

    /** Whether the path holds a glob character of {@link FileSystem#globStatus}. */
    private static boolean hasWildcard(Path p) {
        return p.toUri().getPath().chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
    }

    /** Whether a part of the relative path starts with '.' or '_'. */
    static boolean hidden(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".") || part.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isImageName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && ImageFiles.EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean isLocal(FileSystem fs) {
        return "file".equals(fs.getScheme());
    }

    private static java.nio.file.Path local(FileSystem fs, Path p) {
        return java.nio.file.Path.of(fs.makeQualified(p).toUri());
    }

    /**
     * Reads an image as {@link ImageFiles#read} does.
     *
     * @throws IOException naming the file and the problem (not found, not an image, truncated, too large, ...)
     */
    static RgbImage readImage(String uri, Configuration conf, ImageFiles.ReadOptions options) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if (isLocal(fs)) {
            return ImageFiles.read(local(fs, path), options);
        }
        String name = path.getName();
        java.nio.file.Path staged = Files.createTempFile("xpsr-input-", name.substring(Math.max(0,
                name.lastIndexOf('.'))));
        try {
            try (InputStream in = fs.open(path)) {
                Files.copy(in, staged, StandardCopyOption.REPLACE_EXISTING);
            } catch (FileNotFoundException e) {
                throw new IOException(uri + ": no such file", e);
            }
            return ImageFiles.read(staged, options);
        } catch (ImageFileException e) {
            // name the real file, not the staging copy
            throw new IOException(uri + e.getMessage().substring(staged.toString().length()), e);
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    /**
     * Writes {@code image} as a PNG with text chunks to {@code uri}, creating its folder; the target appears
     * complete or not at all. When the target already exists it is replaced (local file system) or kept (others,
     * which cannot rename over a file): the jobs write a target only with the deterministic bytes of its input, so
     * both are the same file.
     */
    static void writePng(String uri, RgbImage image, Map<String, String> text, Configuration conf)
            throws IOException {
        Path target = new Path(uri);
        FileSystem fs = target.getFileSystem(conf);
        if (isLocal(fs)) {
            java.nio.file.Path file = local(fs, target);
            Files.createDirectories(file.getParent());
            ImageFiles.writePng(file, image, text);
            return;
        }
        java.nio.file.Path staged = Files.createTempFile("xpsr-output-", ".png");
        Path temp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            ImageFiles.writePng(staged, image, text);
            fs.mkdirs(target.getParent());
            try (FSDataOutputStream out = fs.create(temp, false)) {
                Files.copy(staged, out);
            }
            if (!fs.rename(temp, target) && !fs.exists(target)) {
                throw new IOException("cannot rename " + temp + " to " + target);
            }
        } finally {
            fs.delete(temp, false);
            Files.deleteIfExists(staged);
        }
    }
}
