package dev.sandboxagent.server.internal;

import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Collects the heap's garbage while the server is quiet, so that the next burst of events does not meet a full
 * collection. With the server's collector (Serial, bin/sandbox-agent) the garbage a burst promotes stays in the old
 * generation until it fills, and the full collection that empties it stops every thread for 30-100 ms on this
 * 2-core machine: in the middle of whatever runs then. Measured: a stream of 200k deltas left the old generation
 * nearly full, and the next scenario's 20 live sessions met a 99 ms full collection, which alone made 1% of their
 * deltas late (docs/benchmarks.md, "Latency, session 15"). The same collection while nothing is being stored delays
 * nobody's events.
 *
 * <p>The rule: every {@link #TICK_MILLIS}, look at whether anything was committed since the last look. After work,
 * once {@link #QUIET_TICKS} looks in a row saw no commit, collect once if the heap holds at least
 * {@link #MIN_GARBAGE_BYTES} (and half as much again as the last collection here left) more than that collection
 * left, then wait for work again. A server that never works never collects here; one that streams without a pause
 * is left to the collector's own rules. The heap's use comes from {@link Runtime}, not the management beans: nothing
 * is loaded at start for this.
 */
final class IdleCollection {
    static final long TICK_MILLIS = 500;
    static final int QUIET_TICKS = 2;
    static final long MIN_GARBAGE_BYTES = 8L * 1024 * 1024;

    private final LongSupplier commits;
    private final LongSupplier heapUsed;
    private final Runnable collect;
    private long lastCommits;
    private int quietTicks;
    private boolean workedSinceCollecting;
    private long leftByLastCollection;

    /**
     * @param commits  a count that moves with every commit
     * @param heapUsed the heap's bytes in use now, garbage included
     * @param collect  a full collection ({@code System::gc})
     */
    IdleCollection(LongSupplier commits, LongSupplier heapUsed, Runnable collect) {
        this.commits = commits;
        this.heapUsed = heapUsed;
        this.collect = collect;
        this.lastCommits = commits.getAsLong();
    }

    /** Counts the store's commits and looks every {@link #TICK_MILLIS} on an event loop; returns the timer's id. */
    static long start(Vertx vertx, SessionStore store) {
        AtomicLong commits = new AtomicLong();
        store.onCommit(batch -> commits.incrementAndGet());
        Runtime runtime = Runtime.getRuntime();
        IdleCollection policy = new IdleCollection(commits::get,
                () -> runtime.totalMemory() - runtime.freeMemory(), System::gc);
        // On the event loop: the collection stops every thread anyway, this one included, and it only runs when
        // no event has been committed for a second.
        return vertx.setPeriodic(TICK_MILLIS, id -> policy.tick());
    }

    /** One look; returns whether it collected. */
    boolean tick() {
        long now = commits.getAsLong();
        if (now != lastCommits) {
            lastCommits = now;
            quietTicks = 0;
            workedSinceCollecting = true;
            return false;
        }
        if (!workedSinceCollecting || ++quietTicks < QUIET_TICKS) {
            return false;
        }
        long used = heapUsed.getAsLong();
        if (used - leftByLastCollection < Math.max(MIN_GARBAGE_BYTES, leftByLastCollection / 2)) {
            return false; // little garbage: this quiet spell passes without a collection, the next may not
        }
        collect.run();
        leftByLastCollection = heapUsed.getAsLong();
        workedSinceCollecting = false;
        return true;
    }
}
