package dev.sandboxagent.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain-text table: a header row, columns padded to their widest cell, two spaces apart. */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    /** Adds a row; null cells print as "-". */
    public Table row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " cells, got " + cells.length);
        }
        // A loop, not a stream: a list's table is on every `api sessions list`, and a stream pipeline with its
        // lambda loads ~40 classes at run time (docs/benchmarks.md "CLI round trip, session 10").
        String[] shown = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            String cell = cells[i];
            shown[i] = cell == null || cell.isEmpty() ? "-" : Text.oneLine(cell);
        }
        rows.add(Arrays.asList(shown));
        return this;
    }

    public void print(PrintWriter out) {
        int[] widths = new int[header.size()];
        for (List<String> row : allRows()) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : allRows()) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - cell.length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    private List<List<String>> allRows() {
        List<List<String>> all = new ArrayList<>(rows.size() + 1);
        all.add(header);
        all.addAll(rows);
        return all;
    }
}
