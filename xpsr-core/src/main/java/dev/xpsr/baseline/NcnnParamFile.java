package dev.xpsr.baseline;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An ncnn text {@code .param} file (docs/developer-guide/param-and-model-file-structure.md, parsed as
 * {@code Net::load_param} in src/net.cpp):
 * <pre>
 * 7767517                                   magic
 * [layer count] [blob count]
 * [type] [name] [#inputs] [#outputs] [input blobs...] [output blobs...] [key=value ...]   one line per layer
 * </pre>
 * Layers are listed in an order where every blob is produced before it is consumed, and the {@code .bin}
 * file holds their weights in the same order.
 */
public final class NcnnParamFile {
    private static final int MAGIC = 7767517;

    /**
     * One layer line.
     *
     * @param type    layer type ({@code Convolution}, {@code Split}, ...)
     * @param name    layer name
     * @param bottoms input blob names
     * @param tops    output blob names
     * @param params  its parameters
     * @param line    1-based line number in the file
     */
    public record Layer(String type, String name, List<String> bottoms, List<String> tops, NcnnParamDict params,
                        int line) {
    }

    private final String source;
    private final List<Layer> layers;

    private NcnnParamFile(String source, List<Layer> layers) {
        this.source = source;
        this.layers = List.copyOf(layers);
    }

    /** Reads and parses a {@code .param} file. */
    public static NcnnParamFile read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new NcnnFormatException(file + ": not an ncnn text .param file (not UTF-8 text; the binary"
                    + " .param.bin form is not supported)");
        }
        return parse(text, file.toString());
    }

    /**
     * Parses {@code .param} text.
     *
     * @param source the file name, for error messages
     * @throws NcnnFormatException on a bad magic number, wrong counts or a malformed line
     */
    public static NcnnParamFile parse(String text, String source) {
        List<String> lines = text.lines().toList();
        int n = 0;
        while (n < lines.size() && lines.get(n).isBlank()) {
            n++;
        }
        if (n >= lines.size() || !lines.get(n).trim().equals(Integer.toString(MAGIC))) {
            throw new NcnnFormatException(source + ": not an ncnn text .param file (first line must be " + MAGIC
                    + ")");
        }
        int[] counts = counts(lines, n + 1, source);
        List<Layer> layers = new ArrayList<>();
        for (int i = n + 2; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                layers.add(parseLayer(lines.get(i), i + 1, source));
            }
        }
        checkCounts(layers, counts, source);
        return new NcnnParamFile(source, layers);
    }

    private static int[] counts(List<String> lines, int index, String source) {
        String[] t = index < lines.size() ? lines.get(index).trim().split("\\s+") : new String[0];
        try {
            if (t.length == 2) {
                return new int[] {Integer.parseInt(t[0]), Integer.parseInt(t[1])};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new NcnnFormatException(source + ": line " + (index + 1) + " must be '[layer count] [blob count]'");
    }

    private static Layer parseLayer(String text, int line, String source) {
        String[] t = text.trim().split("\\s+");
        String where = source + " line " + line;
        if (t.length < 4) {
            throw new NcnnFormatException(where + ": a layer line needs type, name, input and output counts");
        }
        int inputs = count(t[2], where);
        int outputs = count(t[3], where);
        if (t.length < 4 + inputs + outputs) {
            throw new NcnnFormatException(where + ": layer '" + t[1] + "' lists fewer blobs than its counts say");
        }
        List<String> bottoms = Arrays.asList(t).subList(4, 4 + inputs);
        List<String> tops = Arrays.asList(t).subList(4 + inputs, 4 + inputs + outputs);
        List<String> params = Arrays.asList(t).subList(4 + inputs + outputs, t.length);
        String layerWhere = where + " (" + t[0] + " '" + t[1] + "')";
        return new Layer(t[0], t[1], List.copyOf(bottoms), List.copyOf(tops),
                NcnnParamDict.parse(params, layerWhere), line);
    }

    private static int count(String v, String where) {
        try {
            int c = Integer.parseInt(v);
            if (c >= 0) {
                return c;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new NcnnFormatException(where + ": '" + v + "' is not a blob count");
    }

    private static void checkCounts(List<Layer> layers, int[] counts, String source) {
        if (layers.size() != counts[0]) {
            throw new NcnnFormatException(source + ": header announces " + counts[0] + " layers, the file has "
                    + layers.size());
        }
        Set<String> blobs = new LinkedHashSet<>();
        for (Layer l : layers) {
            blobs.addAll(l.bottoms());
            blobs.addAll(l.tops());
        }
        if (blobs.size() != counts[1]) {
            throw new NcnnFormatException(source + ": header announces " + counts[1] + " blobs, the layers name "
                    + blobs.size());
        }
    }

    public String source() {
        return source;
    }

    public List<Layer> layers() {
        return layers;
    }
}
