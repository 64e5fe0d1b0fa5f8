package dev.sandboxagent.server.warm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Keeps every status a supervisor reports, and waits for the one a test expects. */
final class RecordingListener implements Consumer<ProcessStatus> {
    private final List<ProcessStatus> seen = new ArrayList<>();

    @Override
    public synchronized void accept(ProcessStatus status) {
        seen.add(status);
        notifyAll();
    }

    synchronized List<ProcessStatus> seen() {
        return List.copyOf(seen);
    }

    synchronized List<ProcessState> states() {
        return seen.stream().map(ProcessStatus::state).toList();
    }

    /** Waits for a status after index {@code from} that matches; returns its index. */
    synchronized int await(int from, Predicate<ProcessStatus> condition, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        int i = from;
        while (true) {
            for (; i < seen.size(); i++) {
                if (condition.test(seen.get(i))) {
                    return i;
                }
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no matching status within " + timeout + "; saw " + seen);
            }
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static Predicate<ProcessStatus> state(ProcessState state) {
        return s -> s.state() == state;
    }
}
