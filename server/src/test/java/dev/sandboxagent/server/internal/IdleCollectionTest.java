package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When the server collects its garbage by itself: in a quiet spell after work, once, when the old generation has
 * grown enough since the last full collection; and while busy only when it has grown far past what it keeps.
 */
class IdleCollectionTest {
    private static final long MIB = 1024 * 1024;
    private static final long MS = 1_000_000;

    private long commits;
    private long oldUsed = 20 * MIB;
    private long oldAfterLastFull = 10 * MIB;
    private long heapInUse = 40 * MIB;
    private long nanos = 1_000_000_000L;
    private int collections;
    private int lookups;
    private final IdleCollection policy = new IdleCollection(() -> commits, () -> heapInUse, () -> nanos, () -> {
        lookups++;
        return new IdleCollection.OldGeneration() {
            @Override
            public long used() {
                return oldUsed;
            }

            @Override
            public long usedAfterLastFullCollection() {
                return oldAfterLastFull;
            }
        };
    }, () -> {
        collections++;
        oldUsed = 10 * MIB; // what a full collection leaves: the live heap
        oldAfterLastFull = oldUsed;
    });

    @Test
    void aServerThatNeverWorkedIsNotCollectedAndLooksUpNothing() {
        ticks(20);

        assertThat(collections).isZero();
        assertThat(lookups).as("the management classes stay unloaded").isZero();
    }

    @Test
    void noCollectionWhileCommitsKeepComing() {
        for (int i = 0; i < 20; i++) {
            commits++;
            policy.tick();
        }

        assertThat(collections).isZero();
    }

    @Test
    void aQuietSpellAfterWorkCollectsOnceAfterTheQuietTicks() {
        commits += 5;
        policy.tick();

        ticks(IdleCollection.QUIET_TICKS - 1);
        assertThat(collections).as("before the spell is long enough").isZero();
        ticks(1);
        assertThat(collections).isEqualTo(1);

        oldUsed = 30 * MIB; // promoted again, but no work since: the same spell, no second collection
        ticks(20);
        assertThat(collections).isEqualTo(1);
    }

    @Test
    void onlyWhatTheOldGenerationGainedCounts() {
        oldUsed = oldAfterLastFull + IdleCollection.MIN_PROMOTED_BYTES - 1;
        commits++;
        policy.tick();
        ticks(IdleCollection.QUIET_TICKS + 5);
        assertThat(collections).as("less promoted than the minimum").isZero();

        oldUsed = oldAfterLastFull + IdleCollection.MIN_PROMOTED_BYTES;
        commits++;
        policy.tick();
        ticks(IdleCollection.QUIET_TICKS);
        assertThat(collections).isEqualTo(1);
    }

    @Test
    void aLargeLiveOldGenerationNeedsAQuarterOfItPromoted() {
        oldAfterLastFull = 100 * MIB;
        oldUsed = oldAfterLastFull + 24 * MIB; // more than the minimum, less than a quarter of 100
        commits++;
        policy.tick();
        ticks(IdleCollection.QUIET_TICKS);
        assertThat(collections).isZero();

        oldUsed = oldAfterLastFull + 25 * MIB;
        commits++;
        policy.tick();
        ticks(IdleCollection.QUIET_TICKS);
        assertThat(collections).isEqualTo(1);
    }

    @Test
    void afterACommitAnOldGenerationFarPastWhatItKeepsIsCollected() {
        heapInUse = 64 * MIB;
        oldAfterLastFull = 10 * MIB;
        oldUsed = oldAfterLastFull + IdleCollection.PRESSURE_PROMOTED_BYTES - 1;
        assertThat(policy.afterCommit()).as("just below the promoted bytes").isFalse();

        oldUsed = oldAfterLastFull + IdleCollection.PRESSURE_PROMOTED_BYTES;
        nanos += IdleCollection.PRESSURE_LOOK_MILLIS * MS;
        assertThat(policy.afterCommit()).isTrue();
        assertThat(collections).isEqualTo(1);

        nanos += IdleCollection.PRESSURE_LOOK_MILLIS * MS;
        assertThat(policy.afterCommit()).as("what the collection left is the new baseline").isFalse();
        assertThat(collections).isEqualTo(1);
    }

    @Test
    void aLargeLiveOldGenerationMustDoubleBeforeACollectionUnderPressure() {
        heapInUse = 200 * MIB;
        oldAfterLastFull = 60 * MIB;
        oldUsed = 119 * MIB; // gained 59 MiB: past the promoted bytes, short of what the last collection left
        assertThat(policy.afterCommit()).isFalse();

        oldUsed = 120 * MIB;
        nanos += IdleCollection.PRESSURE_LOOK_MILLIS * MS;
        assertThat(policy.afterCommit()).isTrue();
    }

    @Test
    void commitsLookAtTheOldGenerationAtMostEveryInterval() {
        heapInUse = 200 * MIB;
        oldAfterLastFull = 10 * MIB;
        oldUsed = 20 * MIB; // not enough: every look finds nothing to collect
        for (int i = 0; i < 99; i++) { // one a millisecond: looks at 0 and 50 ms
            policy.afterCommit();
            nanos += MS;
        }
        assertThat(lookups).as("99 commits over 99 ms, a look at most every %d ms",
                IdleCollection.PRESSURE_LOOK_MILLIS).isEqualTo(2);

        oldUsed = 100 * MIB;
        assertThat(policy.afterCommit()).as("within the interval of the last look").isFalse();
        nanos += IdleCollection.PRESSURE_LOOK_MILLIS * MS;
        assertThat(policy.afterCommit()).isTrue();
    }

    @Test
    void aSmallHeapIsNeitherLookedAtNorCollectedAfterCommits() {
        heapInUse = IdleCollection.PRESSURE_PROMOTED_BYTES - 1; // less than the old generation must have gained
        oldAfterLastFull = 0;
        oldUsed = 200 * MIB; // what a lookup would find, never asked
        for (int i = 0; i < 20; i++) {
            commits++;
            policy.tick();
            nanos += 100 * MS;
            policy.afterCommit();
        }

        assertThat(collections).isZero();
        assertThat(lookups).as("the management classes stay unloaded while the heap is small").isZero();
    }

    @Test
    void noOldGenerationToWatchNeverCollects() {
        heapInUse = 1024 * MIB;
        IdleCollection without = new IdleCollection(() -> commits, () -> heapInUse, () -> nanos, () -> null,
                () -> collections++);
        commits++;
        without.tick();
        for (int i = 0; i < 10; i++) {
            without.tick();
            nanos += 100 * MS;
            without.afterCommit();
        }

        assertThat(collections).isZero();
    }

    /** The real lookup finds this JVM's old generation (the tests run a generational collector) and its baseline. */
    @Test
    void theOldGenerationOfThisJvmIsFoundAndAFullCollectionSetsItsBaseline() {
        IdleCollection.OldGeneration old = IdleCollection.heapsOldGeneration();
        assertThat(old).isNotNull();
        System.gc();
        assertThat(old.usedAfterLastFullCollection()).isPositive();
        assertThat(old.used()).isGreaterThanOrEqualTo(0);
    }

    private void ticks(int n) {
        for (int i = 0; i < n; i++) {
            policy.tick();
        }
    }
}
