package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When the server collects its garbage by itself: only in a quiet spell after work, once, and only when the old
 * generation has grown enough since the last full collection.
 */
class IdleCollectionTest {
    private static final long MIB = 1024 * 1024;

    private long commits;
    private long oldUsed = 20 * MIB;
    private long oldAfterLastFull = 10 * MIB;
    private int collections;
    private int lookups;
    private final IdleCollection policy = new IdleCollection(() -> commits, () -> {
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
    void noOldGenerationToWatchNeverCollects() {
        IdleCollection without = new IdleCollection(() -> commits, () -> null, () -> collections++);
        commits++;
        without.tick();
        for (int i = 0; i < 10; i++) {
            without.tick();
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
