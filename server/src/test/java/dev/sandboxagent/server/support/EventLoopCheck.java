package dev.sandboxagent.server.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which Vert.x reported an event loop blocked past {@link BlockedEventLoops#TEST_LIMIT}
 * (servers started by {@link RunningServer} and {@link ServerProcess} run with that limit). Registered for every
 * test of this module through {@code META-INF/services} and {@code junit-platform.properties}; what happens in a
 * {@code @BeforeAll} is charged to the class.
 */
public final class EventLoopCheck implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        BlockedEventLoops.watch();
        BlockedEventLoops.drain(); // what an earlier class left after its end is not this class's doing
    }

    @Override
    public void afterEach(ExtensionContext context) {
        BlockedEventLoops.assertNone(BlockedEventLoops.drain(), "during " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        BlockedEventLoops.assertNone(BlockedEventLoops.drain(), "in " + context.getDisplayName());
    }
}
