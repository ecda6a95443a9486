package dev.xpsr.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

/**
 * A model repository at one revision, from {@code GET {endpoint}/api/models/{org}/{name}/revision/{revision}}
 * (huggingface_hub's {@code model_info}): {@code sha} is the commit the revision resolves to and
 * {@code siblings[].rfilename} the repository's files, which {@code snapshot_download} filters with its patterns.
 * Other fields of the answer are ignored.
 */
public record RepoInfo(String sha, List<String> files) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public RepoInfo {
        files = List.copyOf(files);
    }

    /**
     * Parses the API's JSON.
     *
     * @param source named in the error when the JSON lacks {@code sha} or {@code siblings}
     */
    static RepoInfo parse(String json, String source) throws HubException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new HubException(HubException.Kind.PROTOCOL, -1, source + " is not valid JSON ("
                    + e.getOriginalMessage() + ")", null);
        }
        JsonNode sha = root == null ? null : root.get("sha");
        JsonNode siblings = root == null ? null : root.get("siblings");
        if (sha == null || !sha.isTextual() || siblings == null || !siblings.isArray()) {
            throw new HubException(HubException.Kind.PROTOCOL, source + " lacks 'sha' or the 'siblings' list;"
                    + " is HF_ENDPOINT a Hugging Face Hub?");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode sibling : siblings) {
            JsonNode name = sibling.get("rfilename");
            if (name == null || !name.isTextual()) {
                throw new HubException(HubException.Kind.PROTOCOL, source + " has a sibling without 'rfilename'");
            }
            files.add(repoPath(name.asText(), source));
        }
        return new RepoInfo(sha.asText(), files);
    }

    /** A file name the hub lists must be a relative path inside the repository: it becomes a path in the cache. */
    private static String repoPath(String name, String source) throws HubException {
        try {
            return HubCache.checkRepoPath(name);
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.PROTOCOL, source + " lists the file '" + name + "', which is not"
                    + " a relative path inside the repository (an absolute path, '..', '.' or an empty segment);"
                    + " refusing the whole listing");
        }
    }
}
