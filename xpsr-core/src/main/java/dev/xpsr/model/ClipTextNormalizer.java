package dev.xpsr.model;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two text normalisations that transformers' slow {@code CLIPTokenizer._tokenize} applies before
 * the pre-tokenising regex; used by {@link ClipTokenizer}.
 *
 * <ul>
 *   <li>{@link #hfBasic} - transformers without ftfy: {@code " ".join(BasicTokenizer(strip_accents=False,
 *       do_split_on_punc=False).tokenize(text))}. Reproduced exactly (up to the JDK's Unicode version).</li>
 *   <li>{@link #ftfyLike} - transformers with ftfy 6.1: {@code whitespace_clean(ftfy.fix_text(text)).lower()}.
 *       This is an approximation of {@code fix_text}; see that method for what it does and does not cover.</li>
 * </ul>
 */
final class ClipTextNormalizer {

    private ClipTextNormalizer() {
    }

    // ------------------------------------------------------------------ HF BasicTokenizer path

    /**
     * BERT {@code BasicTokenizer(do_lower_case=True, strip_accents=False, do_split_on_punc=False)} followed
     * by joining its tokens with single spaces, in transformers 4.36's order: clean text, space out CJK
     * ideographs, NFC, whitespace split, lower-case each token. Punctuation splitting and accent stripping
     * are off, so the token list only decides where the single spaces go. transformers applies no
     * {@code whitespace_clean} on this path; it would be a no-op on the joined result anyway.
     */
    static String hfBasic(String text) {
        String cleaned = spaceOutCjk(cleanText(text));
        String nfc = Normalizer.normalize(cleaned, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(nfc.length());
        for (String token : splitOnPythonWhitespace(nfc)) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(pythonLower(token));
        }
        return out.toString();
    }

    /** BasicTokenizer._clean_text: drop U+0000, U+FFFD and "C*" characters, map whitespace to ' '. */
    private static String cleanText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isBertControl(cp)) {
                return;
            }
            if (isBertWhitespace(cp)) {
                out.append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** BERT's _is_control: every general category starting with "C" except tab, newline, carriage return. */
    private static boolean isBertControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    /** BERT's _is_whitespace: space, tab, newline, carriage return or category Zs. */
    private static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BasicTokenizer._tokenize_chinese_chars: surround each CJK ideograph with spaces (kana, hangul untouched). */
    private static String spaceOutCjk(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(cp -> {
            if (isCjkIdeograph(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** The CJK Unified Ideograph blocks exactly as BERT's _is_chinese_char lists them. */
    private static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Python's {@code str.split()} with no argument: split on runs of str.isspace() characters. */
    private static List<String> splitOnPythonWhitespace(String text) {
        List<String> tokens = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (isPythonSpace(cp)) {
                if (start >= 0) {
                    tokens.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            tokens.add(text.substring(start));
        }
        return tokens;
    }

    /**
     * Python's {@code str.isspace()}: category Zs or bidi class WS/B/S, i.e. Zs, U+2028, U+2029, the ASCII
     * controls \t..\r and \x1c..\x1f, and U+0085.
     */
    static boolean isPythonSpace(int cp) {
        if ((cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** Python {@code str.strip()} with no argument. */
    static String pythonStrip(String text) {
        int begin = 0;
        int end = text.length();
        while (begin < end && isPythonSpace(text.codePointAt(begin))) {
            begin += Character.charCount(text.codePointAt(begin));
        }
        while (end > begin && isPythonSpace(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(begin, end);
    }

    // ------------------------------------------------------------------ Python str.lower()

    /**
     * Python's {@code str.lower()}. Java's {@code toLowerCase} differs in one place that matters here: it
     * decides the Greek final sigma by word boundaries, Python by Unicode's Final_Sigma context (a cased
     * letter before, none after, skipping case-ignorable characters), so "r3\u03A3" lowers to "r3\u03C3"
     * in Python but to "r3\u03C2" in Java. The only other full (multi-character) lowercase mapping is
     * U+0130, which both turn into "i\u0307".
     */
    static String pythonLower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (cp == 0x03A3) {
                out.append(isFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            } else if (cp == 0x0130) {
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** Unicode's Final_Sigma: \p{Cased} \p{Case_Ignorable}* SIGMA, not followed by \p{Case_Ignorable}* \p{Cased}. */
    private static boolean isFinalSigma(String text, int sigmaIndex) {
        int before = sigmaIndex;
        int cp = -1;
        while (before > 0) {
            cp = text.codePointBefore(before);
            before -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                break;
            }
            cp = -1;
        }
        if (cp < 0 || !isCased(cp)) {
            return false;
        }
        int after = sigmaIndex + 1;
        while (after < text.length()) {
            cp = text.codePointAt(after);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
            after += Character.charCount(cp);
        }
        return true;
    }

    /** Unicode's Cased property (Lowercase, Uppercase or Lt; Java's predicates include Other_Lowercase/Uppercase). */
    private static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /** Unicode's Case_Ignorable: Mn, Me, Cf, Lm, Sk, plus Word_Break MidLetter, MidNumLet and Single_Quote. */
    private static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK:
            case Character.ENCLOSING_MARK:
            case Character.FORMAT:
            case Character.MODIFIER_LETTER:
            case Character.MODIFIER_SYMBOL:
                return true;
            default:
                return WORD_BREAK_CASE_IGNORABLE.indexOf(cp) >= 0;
        }
    }

    private static final String WORD_BREAK_CASE_IGNORABLE =
            "'.:\u00B7\u0387\u055F\u05F4\u2018\u2019\u2024\u2027\uFE13\uFE52\uFE55\uFF07\uFF0E\uFF1A";

    // ------------------------------------------------------------------ ftfy path

    /** {@code \s} of Python's {@code regex} module (used by whitespace_clean): Unicode's White_Space property. */
    private static final Pattern WHITE_SPACE_RUN = Pattern.compile(
            "[\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]+");

    /** ftfy's HTML_ENTITY_RE. */
    private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    private static final Pattern NUMERIC_ENTITY = Pattern.compile("&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));");
    /** ftfy's ANSI_RE (terminal colour escapes). */
    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    /** ftfy's LIGATURES table (Latin ligatures and digraphs only). */
    private static final Map<Integer, String> LIGATURES = Map.ofEntries(
            Map.entry(0x0132, "IJ"), Map.entry(0x0133, "ij"), Map.entry(0x0149, "\u02BCn"),
            Map.entry(0x01F1, "DZ"), Map.entry(0x01F2, "Dz"), Map.entry(0x01F3, "dz"),
            Map.entry(0x01C4, "D\u017D"), Map.entry(0x01C5, "D\u017E"), Map.entry(0x01C6, "d\u017E"),
            Map.entry(0x01C7, "LJ"), Map.entry(0x01C8, "Lj"), Map.entry(0x01C9, "lj"),
            Map.entry(0x01CA, "NJ"), Map.entry(0x01CB, "Nj"), Map.entry(0x01CC, "nj"),
            Map.entry(0xFB00, "ff"), Map.entry(0xFB01, "fi"), Map.entry(0xFB02, "fl"),
            Map.entry(0xFB03, "ffi"), Map.entry(0xFB04, "ffl"), Map.entry(0xFB05, "\u017Ft"),
            Map.entry(0xFB06, "st"));

    /**
     * The named entities decoded here: HTML 4's Latin-1 set (U+00A0..U+00FF, in code point order) plus the
     * common markup and typographic ones. ftfy uses Python's complete HTML5 table (2,231 names).
     */
    private static final String LATIN1_ENTITY_NAMES = "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf "
            + "laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 "
            + "frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml "
            + "Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute "
            + "Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute "
            + "ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash "
            + "ugrave uacute ucirc uuml yacute thorn yuml";
    private static final Object[] OTHER_ENTITIES = {
        "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "ndash", "\u2013", "mdash", "\u2014",
        "lsquo", "\u2018", "rsquo", "\u2019", "sbquo", "\u201A", "ldquo", "\u201C", "rdquo", "\u201D",
        "bdquo", "\u201E", "hellip", "\u2026", "bull", "\u2022", "trade", "\u2122", "euro", "\u20AC",
        "dagger", "\u2020", "Dagger", "\u2021", "permil", "\u2030", "lsaquo", "\u2039", "rsaquo", "\u203A",
        "prime", "\u2032", "Prime", "\u2033", "minus", "\u2212", "ensp", "\u2002", "emsp", "\u2003",
        "thinsp", "\u2009", "zwnj", "\u200C", "zwj", "\u200D", "lrm", "\u200E", "rlm", "\u200F",
        "OElig", "\u0152", "oelig", "\u0153", "Scaron", "\u0160", "scaron", "\u0161", "Yuml", "\u0178",
        "fnof", "\u0192", "circ", "\u02C6", "tilde", "\u02DC", "larr", "\u2190", "rarr", "\u2192",
    };
    private static final Map<String, String> HTML_ENTITIES = buildEntityTable();

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    /**
     * {@code whitespace_clean(ftfy.fix_text(text)).lower()} with ftfy 6.1's default configuration,
     * approximated. Like fix_text it works line by line (segments end after each '\n'), switches HTML
     * unescaping off for good once a segment contains '<' ({@code unescape_html="auto"}), and repeats the
     * fixers until the segment stops changing. Implemented fixers, in ftfy's order: unescape_html (numeric
     * references plus the entity subset above, and ftfy's upper-case variants such as {@code &EACUTE;}),
     * fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes, fix_line_breaks,
     * fix_surrogates, remove_terminal_escapes, remove_control_chars, NFC.
     *
     * <p>Not covered: {@code fix_encoding} (mojibake detection and repair, including restore_byte_a0,
     * replace_lossy_sequences and decode_inconsistent_utf8) and HTML5 entity names outside the subset
     * above. Text that ftfy would treat as mojibake (e.g. "Ã©" meant as "é") therefore passes unchanged.
     */
    static String ftfyLike(String text) {
        return pythonLower(pythonStrip(WHITE_SPACE_RUN.matcher(fixText(text)).replaceAll(" ")));
    }

    private static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int lineEnd = text.indexOf('\n', pos);
            int end = lineEnd < 0 ? text.length() : lineEnd + 1;
            String segment = text.substring(pos, end);
            // ftfy never turns unescaping back on once one segment looked like markup.
            unescapeHtml &= segment.indexOf('<') < 0;
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String segment, boolean unescapeHtml) {
        String text = segment;
        while (true) {
            String before = text;
            if (unescapeHtml) {
                text = unescapeHtml(text);
            }
            text = fixC1Controls(text);
            text = translateLigaturesAndWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = ANSI_ESCAPE.matcher(text).replaceAll("");
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(before)) {
                return text;
            }
        }
    }

    private static String unescapeHtml(String text) {
        Matcher m = HTML_ENTITY.matcher(text);
        return m.replaceAll(match -> Matcher.quoteReplacement(decodeEntity(match.group())));
    }

    /** ftfy's _unescape_fixup: known names, then complete numeric references; anything else stays. */
    private static String decodeEntity(String entity) {
        String named = HTML_ENTITIES.get(entity);
        if (named != null) {
            return named;
        }
        Matcher numeric = NUMERIC_ENTITY.matcher(entity);
        if (!numeric.matches()) {
            return entity;
        }
        BigInteger value = numeric.group(1) != null
                ? new BigInteger(numeric.group(1))
                : new BigInteger(numeric.group(2), 16);
        return decodeCharRef(value);
    }

    /** Python html.unescape's rules for a numeric character reference. */
    private static String decodeCharRef(BigInteger value) {
        if (value.bitLength() > 31 || value.intValue() > 0x10FFFF) {
            return "\uFFFD";
        }
        int cp = value.intValue();
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return decodeWindows1252((byte) cp, cp);
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            return "\uFFFD";
        }
        if (isInvalidCodepoint(cp)) {
            return "";
        }
        return new String(Character.toChars(cp));
    }

    /** html._invalid_codepoints (the C0/C1 ranges are handled by the caller or listed here). */
    private static boolean isInvalidCodepoint(int cp) {
        return (cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    }

    /** ftfy's "sloppy" Windows-1252: the five undefined bytes decode to the C1 character itself. */
    private static String decodeWindows1252(byte b, int original) {
        CharsetDecoder decoder = WINDOWS_1252.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(new byte[] {b})).toString();
        } catch (CharacterCodingException e) {
            return new String(Character.toChars(original));
        }
    }

    private static String fixC1Controls(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                out.append(decodeWindows1252((byte) c, c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** fix_latin_ligatures then fix_character_width (fullwidth/halfwidth forms via NFKC, U+3000 to space). */
    private static String translateLigaturesAndWidth(String text) {
        StringBuilder ligatureFree = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            String replacement = LIGATURES.get(cp);
            if (replacement != null) {
                ligatureFree.append(replacement);
            } else {
                ligatureFree.appendCodePoint(cp);
            }
        });
        StringBuilder out = new StringBuilder(ligatureFree.length());
        ligatureFree.codePoints().forEach(cp -> {
            if (cp == 0x3000) {
                out.append(' ');
            } else if (cp >= 0xFF01 && cp < 0xFFF0) {
                out.append(Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** ftfy's uncurl_quotes: U+201C..U+201F to '"', U+02BC and U+2018..U+201B to '\''. */
    private static String uncurlQuotes(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '\u201C' && c <= '\u201F') {
                out.append('"');
            } else if (c == '\u02BC' || (c >= '\u2018' && c <= '\u201B')) {
                out.append('\'');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String fixLineBreaks(String text) {
        return text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n')
                .replace('\u2029', '\n').replace('\u0085', '\n');
    }

    /** Paired surrogates are already single code points in Java; lone ones become U+FFFD as in ftfy. */
    private static String fixSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.appendCodePoint(
                cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE ? 0xFFFD : cp));
        return out.toString();
    }

    /** ftfy's CONTROL_CHARS: C0 controls except \t \n \f \r, DEL, U+206A..U+206F, BOM, U+FFF9..U+FFFC. */
    private static String removeControlChars(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            boolean control = (cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                    || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC);
            if (!control) {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /**
     * "&amp;name;" to text, plus ftfy's upper-case variant ("&amp;NAME;" decoded as the upper-cased
     * character) for all-lower-case names whose upper-case spelling is not an entity of its own.
     */
    private static Map<String, String> buildEntityTable() {
        Map<String, String> table = new HashMap<>();
        String[] latin1 = LATIN1_ENTITY_NAMES.split(" ");
        for (int i = 0; i < latin1.length; i++) {
            table.put(latin1[i], String.valueOf((char) (0xA0 + i)));
        }
        for (int i = 0; i < OTHER_ENTITIES.length; i += 2) {
            table.put((String) OTHER_ENTITIES[i], (String) OTHER_ENTITIES[i + 1]);
        }
        // HTML5 spells these legacy upper-case names itself; they decode like the lower-case ones.
        for (String name : new String[] {"AMP", "LT", "GT", "QUOT", "COPY", "REG"}) {
            table.put(name, table.get(name.toLowerCase(Locale.ROOT)));
        }
        Map<String, String> entities = new HashMap<>();
        table.forEach((name, value) -> {
            entities.put("&" + name + ";", value);
            String upper = name.toUpperCase(Locale.ROOT);
            if (name.equals(name.toLowerCase(Locale.ROOT)) && !table.containsKey(upper)) {
                entities.put("&" + upper + ";", value.toUpperCase(Locale.ROOT));
            }
        });
        return Map.copyOf(entities);
    }
}
