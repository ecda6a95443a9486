package dev.xpsr.prompt;

/**
 * The two Python string operations XPSR's prompt reader is made of, reproduced exactly:
 * {@code open(path, "r").readlines()[0]} (text mode: universal newlines turn {@code \r\n} and {@code \r} into
 * {@code \n}, and a line keeps its {@code \n}) and {@code str.lstrip()} (Python's whitespace, which includes
 * no-break spaces and {@code \x1c}–{@code \x1f}, unlike Java's {@link String#stripLeading()}).
 */
final class PythonText {
    private PythonText() {
    }

    /** {@code readlines()[0]} of a text-mode file with content {@code text}; "" for empty content. */
    static String firstLine(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                return text.substring(0, i) + "\n";
            }
        }
        return text;
    }

    /** Python 3 {@code str.lstrip()} with no argument. */
    static String lstrip(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /**
     * Python 3 {@code str.isspace()} for one code point: Unicode category Zs, Zl, Zp or bidirectional class WS, B
     * or S, i.e. the tab family {@code \t \n \x0b \x0c \r}, {@code \x1c–\x1f}, {@code \x85} and the space
     * separators.
     */
    static boolean isSpace(int cp) {
        if (cp == 0x85 || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f)) {
            return true;
        }
        return Character.isSpaceChar(cp);
    }
}
