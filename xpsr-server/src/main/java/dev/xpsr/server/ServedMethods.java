package dev.xpsr.server;

import dev.xpsr.api.Method;
import dev.xpsr.api.Methods;
import dev.xpsr.api.Upscaler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The restorations one server runs: one loaded {@link Upscaler} per method, shared by all the server's workers, and
 * the prompt sources that propose XPSR's prompts for an upload. Closing it closes the upscalers.
 */
public final class ServedMethods implements AutoCloseable {
    private final Map<Method, Upscaler> upscalers;
    private final boolean demo;
    private final ServedPrompts prompts;

    /**
     * @param upscalers the loaded methods (XPSR first when present: it is the default)
     * @param demo      whether XPSR runs the tiny random-weight demo networks (its output is noise)
     * @param prompts   the prompt sources the XPSR upscaler was built with, and the fixed texts of its requests
     */
    public ServedMethods(List<Upscaler> upscalers, boolean demo, ServedPrompts prompts) {
        if (upscalers.isEmpty()) {
            throw new IllegalArgumentException("a server needs at least one method to run");
        }
        Map<Method, Upscaler> m = new LinkedHashMap<>();
        for (Upscaler u : upscalers) {
            if (m.put(u.method(), u) != null) {
                throw new IllegalArgumentException("method " + u.method().id() + " is given twice");
            }
        }
        this.upscalers = Collections.unmodifiableMap(m);
        this.demo = demo;
        this.prompts = Objects.requireNonNull(prompts, "prompts");
    }

    /** The baselines, the strongest first: the order the page offers them in. */
    private static final List<Method> BASELINES = List.of(Method.REALESRGAN_X4PLUS, Method.RDN_MEDIUM,
            Method.RDN_SLIM, Method.BICUBIC_PIL, Method.BICUBIC_MATLAB);

    /** The baselines whose weight files are in {@code folder} (bicubic needs none), the strongest first. */
    public static List<Method> availableBaselines(Path folder) {
        List<Method> available = new ArrayList<>();
        for (Method m : BASELINES) {
            if (Methods.missingFiles(m, folder).isEmpty()) {
                available.add(m);
            }
        }
        return available;
    }

    /** The methods in the order given. */
    public Set<Method> methods() {
        return upscalers.keySet();
    }

    /** XPSR when served, else the first baseline. */
    public Method defaultMethod() {
        return upscalers.containsKey(Method.XPSR) ? Method.XPSR : upscalers.keySet().iterator().next();
    }

    public Optional<Upscaler> upscaler(Method m) {
        return Optional.ofNullable(upscalers.get(m));
    }

    /** Whether XPSR runs the demo's random-weight networks. */
    public boolean demo() {
        return demo;
    }

    public ServedPrompts prompts() {
        return prompts;
    }

    @Override
    public void close() {
        upscalers.values().forEach(Upscaler::close);
    }
}
