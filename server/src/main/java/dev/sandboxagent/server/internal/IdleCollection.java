package dev.sandboxagent.server.internal;

import dev.sandboxagent.store.SessionStore;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Collects the old generation's garbage while the server is quiet, so that the next burst of events does not meet a
 * full collection, and while it is busy once the old generation has grown far past what it keeps. With the server's
 * collector (Serial, bin/sandbox-agent) what a burst promotes stays in the old generation until it fills, and the
 * full collection that empties it stops every thread for 30-100 ms on this 2-core machine: in the middle of whatever
 * runs then. Measured: a stream of 200k deltas left the old generation nearly full
 * (20.7 of 21.5 MB, 10.4 of it live), and the next scenario's 20 live sessions met a 99 ms full collection, which
 * alone made 1% of their deltas late (docs/benchmarks.md, "Latency, session 15"). The same collection while nothing
 * is being stored delays nobody's events.
 *
 * <p>The rule: every {@link #TICK_MILLIS}, look at whether anything was committed since the last look. After work,
 * once {@link #QUIET_TICKS} looks in a row saw no commit, collect once if the old generation has grown since the
 * last full collection by at least {@link #MIN_PROMOTED_BYTES} (and a quarter of what that collection left), then
 * wait for work again. Only the old generation counts: the young one's garbage costs a young collection of a few
 * milliseconds, and a full one for it would cost ten times that in CPU. A server that never works never collects
 * here.
 *
 * <p>Under pressure: after a commit, at most every {@link #PRESSURE_LOOK_MILLIS}, collect if the old generation has
 * grown since the last full collection by {@link #PRESSURE_PROMOTED_BYTES} and by as much as that collection left
 * (twice the live heap); while the heap holds less than that in all ({@link Runtime}'s figure), the old generation is
 * not looked up. JDK 17's Serial never gets there by itself: its old generation grows only at a full collection, so
 * one comes whenever it fills (at ~26 MB in the side-by-side runs). JDK 25's Serial, the distribution's runtime,
 * grows it at young collections instead, and as both size their young generation only at a full collection, JDK
 * 25's stays at its initial 2 MB and promotes all the more: a stream's garbage filled ~160 MB of old generation and
 * took the distribution's RSS after the side-by-side scenarios to 284-437 MiB (docs/benchmarks.md "The
 * distribution's heap on JDK 25"), bounded only by the heap's limit, a quarter of memory. Looked at after commits,
 * not on the tick: that stream promoted ~100 MB a second, and a tick every half second first looked at 110 MB.
 */
final class IdleCollection {
    static final long TICK_MILLIS = 500;
    static final int QUIET_TICKS = 2;
    static final long MIN_PROMOTED_BYTES = 4L * 1024 * 1024;
    /** What the old generation must have gained since the last full collection for a collection under pressure. */
    static final long PRESSURE_PROMOTED_BYTES = 32L * 1024 * 1024;
    /** How often a commit's thread looks at the heap at most. */
    static final long PRESSURE_LOOK_MILLIS = 50;
    /** This JVM's old generation, found at the first look that needs it ({@link #heapsOldGeneration()}). */
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
    private final LongSupplier heapInUse;
    private final LongSupplier nanoTime;
    private final Supplier<OldGeneration> oldGeneration;
    private final Runnable collect;
    /** When a commit's thread last looked under pressure ({@link #nanoTime}): any commit's thread may. */
    private final AtomicLong lastPressureLook;
    private long lastCommits;
    private int quietTicks;
    private boolean workedSinceCollecting;

    /**
     * @param commits       a count that moves with every commit
     * @param heapInUse     bytes of heap in use, garbage included (cheap: asked after a commit)
     * @param nanoTime      the clock of {@link #afterCommit}'s pace ({@code System::nanoTime})
     * @param oldGeneration asked at the first quiet spell after work or under pressure (finding it loads the
     *                      management classes, which the start does not need); null from it: never collect
     * @param collect       a full collection ({@code System::gc})
     */
    IdleCollection(LongSupplier commits, LongSupplier heapInUse, LongSupplier nanoTime,
                   Supplier<OldGeneration> oldGeneration, Runnable collect) {
        this.commits = commits;
        this.heapInUse = heapInUse;
        this.nanoTime = nanoTime;
        this.lastPressureLook = new AtomicLong(nanoTime.getAsLong() - TimeUnit.MILLISECONDS.toNanos(
                PRESSURE_LOOK_MILLIS));
        this.oldGeneration = oldGeneration;
        this.collect = collect;
        this.lastCommits = commits.getAsLong();
    }

    /**
     * Counts the store's commits, looks under pressure after them and every {@link #TICK_MILLIS} on an event loop;
     * returns the timer's id.
     */
    static long start(Vertx vertx, SessionStore store) {
        AtomicLong commits = new AtomicLong();
        Runtime runtime = Runtime.getRuntime();
        IdleCollection policy = new IdleCollection(commits::get, () -> runtime.totalMemory() - runtime.freeMemory(),
                System::nanoTime, IdleCollection::heapsOldGeneration, System::gc);
        // Under pressure on the commit's thread (the writer's, or an agent's reader committing its own append): the
        // collection stops every thread anyway, and the collector would soon do it itself.
        store.onCommit(batch -> {
            commits.incrementAndGet();
            policy.afterCommit();
        });
        // On the event loop: in a quiet spell no event has been committed for a second.
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
     * After a commit, on its thread: at most every {@link #PRESSURE_LOOK_MILLIS}, collect if the old generation has
     * grown far past what the last full collection left (the class comment). Returns whether it collected.
     */
    boolean afterCommit() {
        long now = nanoTime.getAsLong();
        long last = lastPressureLook.get();
        if (now - last < TimeUnit.MILLISECONDS.toNanos(PRESSURE_LOOK_MILLIS)
                || !lastPressureLook.compareAndSet(last, now) || heapInUse.getAsLong() < PRESSURE_PROMOTED_BYTES) {
            return false;
        }
        OldGeneration old = oldGeneration.get();
        if (old == null) {
            return false;
        }
        long left = old.usedAfterLastFullCollection();
        if (old.used() - left < Math.max(PRESSURE_PROMOTED_BYTES, left)) {
            return false;
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
