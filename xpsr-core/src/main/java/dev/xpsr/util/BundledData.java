package dev.xpsr.util;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Finds the repository's data folder ({@code fixtures/data}: the NIQE/BRISQUE models under {@code iqa/}, the
 * sample photos under {@code images/hr/}, the baseline networks under {@code models/}) for commands that default
 * to it, in this order:
 * <ol>
 *   <li>the system property {@code xpsr.data} (set by the Maven build for tests);</li>
 *   <li>the environment variable {@code XPSR_DATA};</li>
 *   <li>{@code fixtures/data} in the folder holding the running jar or in one of its parents — so
 *       {@code xpsr-cli/target/xpsr.jar} of a clone finds the clone's folder wherever it is called from;</li>
 *   <li>{@code fixtures/data} in the working folder or one of its parents.</li>
 * </ol>
 * A folder counts when it holds {@code MANIFEST.md}. When none is found the plain relative path
 * {@code fixtures/data} is returned, so the error that follows names it.
 */
public final class BundledData {
    public static final String PROPERTY = "xpsr.data";
    public static final String VARIABLE = "XPSR_DATA";
    private static final Path RELATIVE = Path.of("fixtures", "data");

    private BundledData() {
    }

    /** The data folder (see the class comment). */
    public static Path folder() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String variable = System.getenv(VARIABLE);
        if (variable != null && !variable.isBlank()) {
            return Path.of(variable);
        }
        Path found = searchUp(codeLocation());
        if (found == null) {
            found = searchUp(Path.of("").toAbsolutePath());
        }
        return found == null ? RELATIVE : found;
    }

    /** The bundled sample photos, {@code <data>/images/hr}. */
    public static Path photos() {
        return folder().resolve("images").resolve("hr");
    }

    /** The baseline networks, {@code <data>/models}. */
    public static Path models() {
        return folder().resolve("models");
    }

    private static Path searchUp(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve(RELATIVE);
            if (Files.isRegularFile(candidate.resolve("MANIFEST.md"))) {
                return candidate;
            }
        }
        return null;
    }

    /** The folder of the jar (or class folder) this class was loaded from, or null when unknown. */
    private static Path codeLocation() {
        try {
            CodeSource source = BundledData.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI()).toAbsolutePath();
            return Files.isDirectory(p) ? p : p.getParent();
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
