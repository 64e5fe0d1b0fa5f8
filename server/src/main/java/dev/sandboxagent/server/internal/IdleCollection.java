package dev.sandboxagent.server.internal;

import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Collects the old generation's garbage while the server is quiet, so that the next burst of events does not meet a
 * full collection. With the server's collector (Serial, bin/sandbox-agent) what a burst promotes stays in the old
 * generation until it fills, and the full collection that empties it stops every thread for 30-100 ms on this 2-core
 * machine: in the middle of whatever runs then. Measured: a stream of 200k deltas left the old generation nearly full
 * (20.7 of 21.5 MB, 10.4 of it live), and the next scenario's 20 live sessions met a 99 ms full collection, which
 * alone made 1% of their deltas late (docs/benchmarks.md, "Latency, session 15"). The same collection while nothing
 * is being stored delays nobody's events.
 *
 * <p>The rule: every {@link #TICK_MILLIS}, look at whether anything was committed since the last look. After work,
 * once {@link #QUIET_TICKS} looks in a row saw no commit, collect once if the old generation has grown since the
 * last full collection by at least {@link #MIN_PROMOTED_BYTES} (and a quarter of what that collection left), then
 * wait for work again. Only the old generation counts: the young one's garbage costs a young collection of a few
 * milliseconds, and a full one for it would cost ten times that in CPU. A server that never works never collects
 * here; one that streams without a pause is left to the collector's own rules.
 */
final class IdleCollection {
    static final long TICK_MILLIS = 500;
    static final int QUIET_TICKS = 2;
    static final long MIN_PROMOTED_BYTES = 4L * 1024 * 1024;
    /** This JVM's old generation, found at the first quiet spell after work ({@link #heapsOldGeneration()}). */
    private static volatile OldGeneration heapsOldGeneration;
    private static volatile boolean looked;

    /** The old generation as the collector reports it. */
    interface OldGeneration {
        /** Bytes in use now, garbage included. */
        long used();

        /** Bytes in use right after the last full collection (0 before the first). */
        long usedAfterLastFullCollection();
    }

    private final LongSupplier commits;
    private final Supplier<OldGeneration> oldGeneration;
    private final Runnable collect;
    private long lastCommits;
    private int quietTicks;
    private boolean workedSinceCollecting;

    /**
     * @param commits       a count that moves with every commit
     * @param oldGeneration asked at the first quiet spell after work (finding it loads the management classes, which
     *                      the start does not need); null from it: no old generation to watch, never collect
     * @param collect       a full collection ({@code System::gc})
     */
    IdleCollection(LongSupplier commits, Supplier<OldGeneration> oldGeneration, Runnable collect) {
        this.commits = commits;
        this.oldGeneration = oldGeneration;
        this.collect = collect;
        this.lastCommits = commits.getAsLong();
    }

    /** Counts the store's commits and looks every {@link #TICK_MILLIS} on an event loop; returns the timer's id. */
    static long start(Vertx vertx, SessionStore store) {
        AtomicLong commits = new AtomicLong();
        store.onCommit(batch -> commits.incrementAndGet());
        IdleCollection policy = new IdleCollection(commits::get, IdleCollection::heapsOldGeneration, System::gc);
        // On the event loop: the collection stops every thread anyway, this one included, and it only runs when no
        // event has been committed for a second.
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
        workedSinceCollecting = false; // one look per quiet spell, whatever it finds
        OldGeneration old = oldGeneration.get();
        if (old == null) {
            return false;
        }
        long left = old.usedAfterLastFullCollection();
        if (old.used() - left < Math.max(MIN_PROMOTED_BYTES, left / 4)) {
            return false; // little promoted since: the old generation is far from a full collection of its own
        }
        collect.run();
        return true;
    }

    /**
     * The heap's old generation (Serial's "Tenured Gen", and the like of the other generational collectors: the heap
     * pool that only a full collection collects), or null. Looked up once.
     */
    static OldGeneration heapsOldGeneration() {
        if (!looked) {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                String name = pool.getName();
                if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null
                        && (name.contains("Tenured") || name.contains("Old Gen"))) {
                    heapsOldGeneration = new OldGeneration() {
                        @Override
                        public long used() {
                            return pool.getUsage().getUsed();
                        }

                        @Override
                        public long usedAfterLastFullCollection() {
                            MemoryUsage after = pool.getCollectionUsage();
                            return after == null ? 0 : after.getUsed();
                        }
                    };
                    break;
                }
            }
            looked = true;
        }
        return heapsOldGeneration;
    }
}
