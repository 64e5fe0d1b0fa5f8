package dev.sandboxagent.bench.sidebyside;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every figure of a run, one sample per round and server, in the order they were first measured; printed as a
 * table (median and min–max per server, ratio ours/anchor of the medians) and written as JSON.
 */
final class Results {
    static final String OURS = "ours";
    static final String ANCHOR = "anchor";

    /** One figure: its scenario (the name --only takes), its name, its unit, and which way is better. */
    record Metric(String scenario, String name, String unit, boolean higherIsBetter, String description) {
    }

    /** Median and spread of some samples. */
    record Summary(double median, double min, double max, List<Double> samples) {
        static Summary of(List<Double> samples) {
            List<Double> sorted = new ArrayList<>(samples);
            Collections.sort(sorted);
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            return new Summary(median, sorted.get(0), sorted.get(n - 1), List.copyOf(samples));
        }
    }

    private final Map<String, Metric> metrics = new LinkedHashMap<>();
    private final Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    synchronized void add(String server, Metric metric, double value) {
        metrics.putIfAbsent(metric.name(), metric);
        samples.computeIfAbsent(metric.name(), k -> new LinkedHashMap<>())
                .computeIfAbsent(server, k -> new ArrayList<>()).add(value);
    }

    /** A remark printed under the table and kept in the JSON (how a figure was taken, why one is missing). */
    synchronized void note(String key, String text) {
        notes.put(key, text);
    }

    synchronized Summary summary(String metric, String server) {
        List<Double> values = samples.getOrDefault(metric, Map.of()).get(server);
        return values == null || values.isEmpty() ? null : Summary.of(values);
    }

    synchronized void printTable(PrintStream out) {
        String format = "%-40s %-10s %-28s %-28s %s%n";
        out.printf(format, "figure", "unit", "ours median (min-max)", "anchor median (min-max)", "ours/anchor");
        for (Metric metric : metrics.values()) {
            Summary ours = summary(metric.name(), OURS);
            Summary anchor = summary(metric.name(), ANCHOR);
            String ratio = ours != null && anchor != null && anchor.median() != 0
                    ? String.format(Locale.ROOT, "%.2fx", ours.median() / anchor.median()) : "";
            out.printf(format, metric.name(), metric.unit(), cell(ours), anchor == null ? "n/a" : cell(anchor),
                    ratio);
        }
        for (Map.Entry<String, String> note : notes.entrySet()) {
            out.println("  " + note.getKey() + ": " + note.getValue());
        }
    }

    private static String cell(Summary summary) {
        if (summary == null) {
            return "-";
        }
        if (summary.samples().size() == 1) {
            return number(summary.median());
        }
        return number(summary.median()) + " (" + number(summary.min()) + "-" + number(summary.max()) + ")";
    }

    static String number(double value) {
        double magnitude = Math.abs(value);
        if (magnitude >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, magnitude >= 10 ? "%.1f" : magnitude >= 1 ? "%.2f" : "%.3f", value);
    }

    /** The JSON document: {@code meta} as given, then every figure with its samples and summaries. */
    synchronized void writeJson(Path file, ObjectNode meta) throws IOException {
        ObjectNode root = meta.deepCopy();
        ArrayNode figures = root.putArray("figures");
        for (Metric metric : metrics.values()) {
            ObjectNode figure = figures.addObject();
            figure.put("scenario", metric.scenario());
            figure.put("name", metric.name());
            figure.put("unit", metric.unit());
            figure.put("better", metric.higherIsBetter() ? "higher" : "lower");
            figure.put("description", metric.description());
            for (String server : List.of(OURS, ANCHOR)) {
                Summary summary = summary(metric.name(), server);
                if (summary == null) {
                    figure.putNull(server);
                    continue;
                }
                ObjectNode node = figure.putObject(server);
                node.put("median", summary.median());
                node.put("min", summary.min());
                node.put("max", summary.max());
                ArrayNode values = node.putArray("samples");
                summary.samples().forEach(values::add);
            }
            Summary ours = summary(metric.name(), OURS);
            Summary anchor = summary(metric.name(), ANCHOR);
            if (ours != null && anchor != null && anchor.median() != 0) {
                figure.put("ratio", ours.median() / anchor.median());
            } else {
                figure.putNull("ratio");
            }
        }
        ObjectNode noteNode = root.putObject("notes");
        notes.forEach(noteNode::put);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Http.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
