package dev.xpsr.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * What Spark tasks reuse within one executor JVM (networks, an {@code Upscaler}): built by the first task that needs
 * it, kept for the later ones, and closed once a task asks for one built with other settings while none is in use,
 * so a long-lived executor running several jobs holds one job's networks at a time. Keys are the settings that
 * build the resource (values with {@code equals}).
 *
 * <p>Failure-safe by design: a build that throws fails that task only, and the next task tries again (a static
 * holder class would stay broken after one failed initialisation: every later task would get
 * {@code NoClassDefFoundError}). In local mode the executors are threads of the driver JVM, so what the driver
 * leases here is reused by the tasks.
 */
final class ExecutorResources {
    /** A resource in use by one task; closing the lease hands it back. */
    interface Lease<V> extends AutoCloseable {
        V get();

        @Override
        void close();
    }

    /** Builds a resource. */
    @FunctionalInterface
    interface Factory<V> {
        V create() throws Exception;
    }

    private static final Map<Object, Entry> ENTRIES = new HashMap<>();

    private ExecutorResources() {
    }

    /** The resource of {@code key}, one instance shared by every task at once (it must be thread-safe). */
    static <V> Lease<V> shared(Object key, Factory<V> factory) throws Exception {
        return acquire(key, true, factory);
    }

    /**
     * An instance of {@code key}'s resource for this task alone: one per task running at once, each reused by later
     * tasks (for resources that are not thread-safe).
     */
    static <V> Lease<V> pooled(Object key, Factory<V> factory) throws Exception {
        return acquire(key, false, factory);
    }

    @SuppressWarnings("unchecked")
    private static synchronized <V> Lease<V> acquire(Object key, boolean shared, Factory<V> factory)
            throws Exception {
        Objects.requireNonNull(key, "key");
        closeIdleExcept(key);
        Entry entry = ENTRIES.computeIfAbsent(key, k -> new Entry());
        Object value = shared ? entry.shared : entry.idle.poll();
        if (value == null) {
            value = factory.create();
            if (shared) {
                entry.shared = value;
            }
        }
        entry.leases++;
        V v = (V) value;
        return new Lease<>() {
            private boolean closed;

            @Override
            public V get() {
                return v;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    release(entry, shared ? null : v);
                }
            }
        };
    }

    private static synchronized void release(Entry entry, Object pooled) {
        entry.leases--;
        if (pooled != null) {
            entry.idle.push(pooled);
        }
    }

    private static void closeIdleExcept(Object key) throws Exception {
        Iterator<Map.Entry<Object, Entry>> it = ENTRIES.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Object, Entry> e = it.next();
            if (!e.getKey().equals(key) && e.getValue().leases == 0) {
                it.remove();
                e.getValue().close();
            }
        }
    }

    /** The instances built for one key. */
    private static final class Entry {
        Object shared;
        final Deque<Object> idle = new ArrayDeque<>();
        int leases;

        void close() throws Exception {
            if (shared instanceof AutoCloseable c) {
                c.close();
            }
            for (Object o : idle) {
                if (o instanceof AutoCloseable c) {
                    c.close();
                }
            }
        }
    }
}
