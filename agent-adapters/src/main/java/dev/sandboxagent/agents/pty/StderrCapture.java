package dev.sandboxagent.agents.pty;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What a user needs of a program's stderr without keeping all of it: the first lines (usually the cause), the last
 * lines (usually the final words) and the count. Very long lines are cut. Thread-safe.
 */
public final class StderrCapture {
    static final int MAX_LINE_CHARS = 2_000;

    private final int headLimit;
    private final int tailLimit;
    private final List<String> head = new ArrayList<>();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private long total;

    public StderrCapture(int headLimit, int tailLimit) {
        if (headLimit < 0 || tailLimit < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
        this.headLimit = headLimit;
        this.tailLimit = tailLimit;
    }

    public synchronized void add(String line) {
        total++;
        String kept = line.length() <= MAX_LINE_CHARS ? line : line.substring(0, MAX_LINE_CHARS) + "...";
        if (head.size() < headLimit) {
            head.add(kept);
            return;
        }
        if (tailLimit == 0) {
            return;
        }
        tail.addLast(kept);
        if (tail.size() > tailLimit) {
            tail.removeFirst();
        }
    }

    /** The first lines, at most the head limit. */
    public synchronized List<String> head() {
        return List.copyOf(head);
    }

    /** The last lines after the head, at most the tail limit; empty when everything fit in the head. */
    public synchronized List<String> tail() {
        return List.copyOf(tail);
    }

    /** How many lines there were in all, kept or not. */
    public synchronized long total() {
        return total;
    }

    /** Whether lines between the head and the tail were dropped. */
    public synchronized boolean truncated() {
        return total > head.size() + tail.size();
    }

    @Override
    public synchronized String toString() {
        List<String> all = new ArrayList<>(head);
        if (truncated()) {
            all.add("... (" + (total - head.size() - tail.size()) + " lines left out)");
        }
        all.addAll(tail);
        return String.join("\n", all);
    }
}
