package dev.xpsr.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** {@code nn.ModuleList}: children named {@code 0, 1, 2, ...}, as their state-dict keys are. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList<M> add(M module) {
        child(Integer.toString(items.size()), module);
        items.add(module);
        return this;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public Iterator<M> iterator() {
        return items.iterator();
    }
}
