package dev.xpsr.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a {@code --model} argument into a local model folder: an existing folder is used as is; otherwise the
 * argument must be a Hugging Face repo id ({@code org/name}, see {@link RepoId}) and the selected files are
 * fetched through the cache ({@link HubClient#snapshot}). Anything else is refused with a message saying which
 * of the two was expected, so a mistyped path is not sent to the hub.
 */
public final class ModelLocator {
    /**
     * Repositories known to have been removed from the hub, with a copy to use instead. RunwayML deleted its
     * Stable Diffusion 1.5 repository in August 2024; a cache made before then still works.
     */
    private static final Map<String, String> MOVED = Map.of(
            "runwayml/stable-diffusion-v1-5", "stable-diffusion-v1-5/stable-diffusion-v1-5");

    private final HubClient client;
    private final String revision;
    private final FileSelector selector;

    /**
     * @param revision branch, tag or commit of repositories fetched from the hub; null means {@code main}
     * @param selector the files a fetched repository must provide
     */
    public ModelLocator(HubClient client, String revision, FileSelector selector) {
        this.client = Objects.requireNonNull(client, "client");
        this.revision = revision;
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    /**
     * A locator for Stable Diffusion base models (1.5, 2.x): {@link StableDiffusionFiles} for the variant, at
     * {@code main}.
     */
    public static ModelLocator stableDiffusion(HubClient client, String variant) {
        return new ModelLocator(client, null, StableDiffusionFiles.forVariant(variant));
    }

    /**
     * The folder for {@code modelArg}.
     *
     * @throws IllegalArgumentException if it is neither an existing folder nor a repo id, or names a file
     * @throws HubException if fetching the repository fails
     */
    public Path resolve(String modelArg) throws IOException {
        if (modelArg == null || modelArg.isBlank()) {
            throw new IllegalArgumentException("no model given: expected a model folder or a Hugging Face repo id"
                    + " such as " + MOVED.get("runwayml/stable-diffusion-v1-5"));
        }
        Path local = asPath(modelArg);
        if (local != null && Files.isDirectory(local)) {
            return local;
        }
        if (local != null && Files.exists(local)) {
            throw new IllegalArgumentException("'" + modelArg + "' is a file; expected a model folder (holding "
                    + "model_index.json, unet/, vae/ ...) or a Hugging Face repo id");
        }
        if (!RepoId.isValid(modelArg)) {
            throw new IllegalArgumentException("'" + modelArg + "' is neither an existing folder"
                    + (local == null ? "" : " (nothing at " + local.toAbsolutePath() + ")")
                    + " nor a Hugging Face repo id of the form org/name");
        }
        return fetch(modelArg);
    }

    private Path fetch(String repoId) throws IOException {
        try {
            return client.snapshot(repoId, revision, selector);
        } catch (HubException e) {
            if (e.kind() != HubException.Kind.REPO_NOT_FOUND) {
                throw e;
            }
            String replacement = MOVED.get(repoId);
            throw new HubException(e.kind(), e.status(), e.getMessage() + " There is no local folder '" + repoId
                    + "' either." + (replacement == null ? "" : " " + repoId + " was removed from the hub;"
                    + " use " + replacement + ", a copy of it."), e);
        }
    }

    private static Path asPath(String arg) {
        try {
            return Path.of(arg);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
