package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the server collects its garbage by itself: only in a quiet spell after work, once, and only if it pays. */
class IdleCollectionTest {
    private static final long MIB = 1024 * 1024;

    private long commits;
    private long heapUsed = 40 * MIB;
    private int collections;
    private final IdleCollection policy = new IdleCollection(() -> commits, () -> heapUsed, () -> {
        collections++;
        heapUsed = 12 * MIB; // what a full collection leaves: the live heap
    });

    @Test
    void aServerThatNeverWorkedIsNotCollected() {
        ticks(20);

        assertThat(collections).isZero();
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

        heapUsed = 40 * MIB; // garbage again, but no work since: the same spell, no second collection
        ticks(20);
        assertThat(collections).isEqualTo(1);
    }

    @Test
    void theNextSpellCollectsOnlyIfWorkLeftEnoughGarbage() {
        commits++;
        policy.tick();
        ticks(IdleCollection.QUIET_TICKS);
        assertThat(collections).isEqualTo(1); // leaves 12 MiB

        commits++;
        policy.tick();
        heapUsed = 12 * MIB + IdleCollection.MIN_GARBAGE_BYTES - 1;
        ticks(IdleCollection.QUIET_TICKS + 5);
        assertThat(collections).as("less garbage than the minimum").isEqualTo(1);

        commits++;
        policy.tick();
        heapUsed = 12 * MIB + IdleCollection.MIN_GARBAGE_BYTES;
        ticks(IdleCollection.QUIET_TICKS);
        assertThat(collections).isEqualTo(2);
    }

    @Test
    void aLargeLiveHeapNeedsHalfOfItAgainInGarbage() {
        heapUsed = 100 * MIB;
        IdleCollection large = new IdleCollection(() -> commits, () -> heapUsed, () -> {
            collections++;
            heapUsed = 60 * MIB;
        });
        commits++;
        large.tick();
        for (int i = 0; i < IdleCollection.QUIET_TICKS; i++) {
            large.tick();
        }
        assertThat(collections).isEqualTo(1);

        commits++;
        large.tick();
        heapUsed = 60 * MIB + 29 * MIB; // more than the 8 MiB minimum, less than half of 60
        for (int i = 0; i < IdleCollection.QUIET_TICKS; i++) {
            large.tick();
        }
        assertThat(collections).isEqualTo(1);
    }

    private void ticks(int n) {
        for (int i = 0; i < n; i++) {
            policy.tick();
        }
    }
}
