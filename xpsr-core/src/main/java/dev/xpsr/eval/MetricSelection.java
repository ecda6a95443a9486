package dev.xpsr.eval;

import dev.xpsr.eval.QualityReport.MetricInfo;
import dev.xpsr.eval.QualityReport.Unavailable;
import dev.xpsr.metrics.DistributionMetric;
import dev.xpsr.metrics.Metric;
import dev.xpsr.metrics.MetricRegistry;
import dev.xpsr.metrics.MetricUnavailableException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The metrics a report scores with, loaded from a {@link MetricRegistry}: per-image and set-level ones with their
 * report descriptions, and the ones that could not load with the reason and the files they lack.
 */
public record MetricSelection(List<Metric> metrics, List<DistributionMetric> distributionMetrics,
                              List<MetricInfo> infos, List<MetricInfo> distributionInfos, List<Unavailable> unavailable) {
    public MetricSelection {
        metrics = List.copyOf(metrics);
        distributionMetrics = List.copyOf(distributionMetrics);
        infos = List.copyOf(infos);
        distributionInfos = List.copyOf(distributionInfos);
        unavailable = List.copyOf(unavailable);
    }

    /**
     * Loads the named metrics of {@code registry} (every one when {@code names} is empty); a metric whose weights
     * are missing or fail to load is listed as unavailable.
     *
     * @throws IllegalArgumentException for a name the registry does not know, listing the known ones
     */
    public static MetricSelection of(MetricRegistry registry, Collection<String> names) {
        Set<String> wanted = wanted(registry, names);
        List<Metric> metrics = new ArrayList<>();
        List<MetricInfo> infos = new ArrayList<>();
        List<Unavailable> unavailable = new ArrayList<>();
        for (MetricRegistry.Entry<Metric> e : registry.entries()) {
            if (wanted == null || wanted.contains(e.name())) {
                load(e, unavailable).ifPresent(m -> {
                    metrics.add(m);
                    infos.add(new MetricInfo(m.name(), e.description(), m.higherIsBetter(), m.needsReference()));
                });
            }
        }
        List<DistributionMetric> distributions = new ArrayList<>();
        List<MetricInfo> distributionInfos = new ArrayList<>();
        for (MetricRegistry.Entry<DistributionMetric> e : registry.distributionEntries()) {
            if (wanted == null || wanted.contains(e.name())) {
                load(e, unavailable).ifPresent(m -> {
                    distributions.add(m);
                    distributionInfos.add(new MetricInfo(m.name(), e.description(), m.higherIsBetter(), true));
                });
            }
        }
        return new MetricSelection(metrics, distributions, infos, distributionInfos, unavailable);
    }

    private static Set<String> wanted(MetricRegistry registry, Collection<String> names) {
        if (names == null || names.isEmpty()) {
            return null;
        }
        Set<String> known = new LinkedHashSet<>();
        registry.entries().forEach(e -> known.add(e.name()));
        registry.distributionEntries().forEach(e -> known.add(e.name()));
        Set<String> wanted = new LinkedHashSet<>();
        for (String n : names) {
            String name = n.trim().toLowerCase(Locale.ROOT);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("no metric '" + n.trim() + "'; known: " + String.join(", ", known));
            }
            wanted.add(name);
        }
        return wanted;
    }

    private static <M> Optional<M> load(MetricRegistry.Entry<M> e, List<Unavailable> unavailable) {
        if (e.available()) {
            try {
                return Optional.of(e.metric());
            } catch (MetricUnavailableException ignored) {
                // the entry now names the load failure as its reason, reported below
            }
        }
        unavailable.add(new Unavailable(e.name(), e.unavailableReason().orElse(e.name() + " is unavailable"),
                e.missingFiles()));
        return Optional.empty();
    }
}
