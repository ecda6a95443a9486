package dev.xpsr.hub;

import java.util.regex.Pattern;

/**
 * Shell-style patterns with the meaning of Python's {@code fnmatch}, which huggingface_hub's
 * {@code filter_repo_objects} uses for {@code allow_patterns}: {@code *} matches any run of characters including
 * {@code /} (so {@code *.json} matches {@code unet/config.json}), {@code ?} one character, {@code [abc]} /
 * {@code [a-z]} / {@code [!abc]} a set; a {@code [} without its {@code ]} is literal; the whole path must match.
 */
public final class GlobPattern {
    private final String glob;
    private final Pattern regex;

    private GlobPattern(String glob) {
        this.glob = glob;
        this.regex = Pattern.compile(translate(glob), Pattern.DOTALL);
    }

    public static GlobPattern of(String glob) {
        return new GlobPattern(glob);
    }

    public boolean matches(String path) {
        return regex.matcher(path).matches();
    }

    /** Whether the pattern has no wildcard, i.e. names exactly one file. */
    public boolean isLiteral() {
        return glob.chars().noneMatch(c -> c == '*' || c == '?' || c == '[');
    }

    public String glob() {
        return glob;
    }

    @Override
    public String toString() {
        return glob;
    }

    /** fnmatch.translate, producing a Java regex. */
    private static String translate(String glob) {
        StringBuilder re = new StringBuilder();
        int n = glob.length();
        for (int i = 0; i < n; ) {
            char c = glob.charAt(i++);
            if (c == '*') {
                re.append(".*");
                while (i < n && glob.charAt(i) == '*') {
                    i++;
                }
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int end = setEnd(glob, i);
                if (end < 0) {
                    re.append("\\[");
                } else {
                    re.append(set(glob.substring(i, end)));
                    i = end + 1;
                }
            } else {
                re.append(literal(c));
            }
        }
        return re.toString();
    }

    /** Index of the {@code ]} closing a set whose content starts at {@code from}, or -1. */
    private static int setEnd(String glob, int from) {
        int j = from;
        if (j < glob.length() && glob.charAt(j) == '!') {
            j++;
        }
        if (j < glob.length() && glob.charAt(j) == ']') {
            j++; // a leading ']' is a member, not the end
        }
        while (j < glob.length() && glob.charAt(j) != ']') {
            j++;
        }
        return j < glob.length() ? j : -1;
    }

    private static String set(String content) {
        StringBuilder re = new StringBuilder("[");
        int i = 0;
        if (content.startsWith("!")) {
            re.append('^');
            i = 1;
        }
        for (; i < content.length(); i++) {
            char c = content.charAt(i);
            // '-' keeps its range meaning; everything else is a plain member (Java gives '[', '&', '^' roles).
            re.append(c == '-' ? "-" : literal(c));
        }
        return re.append(']').toString();
    }

    private static String literal(char c) {
        return Character.isLetterOrDigit(c) || c == '/' || c == '_' ? String.valueOf(c) : "\\" + c;
    }
}
