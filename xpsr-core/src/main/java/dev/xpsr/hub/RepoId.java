package dev.xpsr.hub;

import java.util.regex.Pattern;

/**
 * A Hugging Face Hub model repository id, {@code org/name}, checked with the rules of huggingface_hub 0.20's
 * {@code validate_repo_id}: each part is word characters, {@code -} and {@code .}, starting and ending with a
 * word character; the name is at most 96 characters; {@code --} and {@code ..} are forbidden (the cache uses
 * {@code --} as its separator) and the id may not end in {@code .git}.
 *
 * <p>Unlike the hub, a namespace is required: XPSR's models all live under an organisation or user, and a bare
 * name on the command line is far more likely to be a mistyped folder.
 */
public record RepoId(String owner, String name) {
    private static final Pattern OWNER = Pattern.compile("\\w(?:[\\w.-]*\\w)?");
    private static final Pattern NAME = Pattern.compile("\\w(?:[\\w.-]{0,94}\\w)?");

    public RepoId {
        String id = owner + "/" + name;
        if (!OWNER.matcher(owner).matches() || !NAME.matcher(name).matches()
                || id.contains("--") || id.contains("..") || id.endsWith(".git")) {
            throw new IllegalArgumentException("'" + id + "' is not a valid Hugging Face repo id: expected org/name"
                    + " made of letters, digits, '_', '-' and '.', neither part starting or ending with '-' or '.',"
                    + " without '--' or '..', the name at most 96 characters");
        }
    }

    /** Parses {@code org/name}; throws {@link IllegalArgumentException} with the rules when it is not one. */
    public static RepoId parse(String id) {
        int slash = id == null ? -1 : id.indexOf('/');
        if (slash < 0 || id.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("'" + id + "' is not a Hugging Face repo id: expected exactly one '/',"
                    + " as in org/name");
        }
        return new RepoId(id.substring(0, slash), id.substring(slash + 1));
    }

    /** Whether {@code id} is a valid {@code org/name}. */
    public static boolean isValid(String id) {
        try {
            parse(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code org/name}, as in URLs. */
    public String id() {
        return owner + "/" + name;
    }

    /** The repository's folder in the cache: {@code models--org--name}. */
    public String folderName() {
        return "models--" + owner + "--" + name;
    }

    @Override
    public String toString() {
        return id();
    }
}
