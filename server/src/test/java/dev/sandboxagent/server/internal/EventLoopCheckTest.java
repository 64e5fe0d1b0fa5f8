package dev.sandboxagent.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.server.http.Blocking;
import dev.sandboxagent.server.http.Workers;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.BlockedEventLoops;
import dev.sandboxagent.server.support.RunningServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The blocked-event-loop check that every server test runs under (support/EventLoopCheck) fails a test whose
 * server held an event loop past the limit, and lets pass the same work handed to the server's worker pool. The
 * tests it judges are run here through the JUnit launcher, as surefire runs any other.
 */
class EventLoopCheckTest {
    private static final String SELF_TEST = "sandbox-agent.event-loop-check.self-test";
    /** Well past the limit, so the checker (which looks twice per limit) cannot miss it however loaded. */
    private static final long BLOCK_MILLIS = BlockedEventLoops.TEST_LIMIT.toMillis() * 3;

    @Test
    void aHandlerThatBlocksTheEventLoopFailsItsTest() {
        TestExecutionSummary summary = run(BlocksTheEventLoop.class);
        assertThat(summary.getTestsStartedCount()).isEqualTo(1);
        assertThat(summary.getFailures()).hasSize(1);
        assertThat(summary.getFailures().get(0).getException())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("an event loop was blocked")
                .hasMessageContaining("vert.x-eventloop-thread");
    }

    @Test
    void theSameWorkOnTheServersWorkerPoolPasses() {
        TestExecutionSummary summary = run(HandsTheWorkToBlocking.class);
        assertThat(summary.getTestsStartedCount()).isEqualTo(1);
        assertThat(summary.getFailures()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    }

    private static TestExecutionSummary run(Class<?> tests) {
        System.setProperty(SELF_TEST, "true");
        try {
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClass(tests)).build(), listener);
            return listener.getSummary();
        } finally {
            System.clearProperty(SELF_TEST);
        }
    }

    /** One request to a handler of the test's own, on a real server; the answer names the thread that slept. */
    private static String callSleeper(Path dataDir, boolean onWorker) {
        try (ServerRuntime server = ServerRuntime.start(RunningServer.withTestLimits(
                RunningServer.config(dataDir, null, 1024 * 1024)))) {
            server.router().get("/test/sleep").handler(ctx -> {
                if (onWorker) {
                    Blocking.respond(ctx, () -> sleep(), (c, thread) -> c.response().end(thread));
                } else {
                    ctx.response().end(sleep());
                }
            });
            Api.Answer answer = new Api("http://127.0.0.1:" + server.port(), null).get("/test/sleep");
            assertThat(answer.status()).isEqualTo(200);
            return answer.body();
        }
    }

    private static String sleep() {
        try {
            Thread.sleep(BLOCK_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Thread.currentThread().getName();
    }

    /** Run only by the test above: on its own it would (rightly) fail. */
    @EnabledIfSystemProperty(named = SELF_TEST, matches = "true")
    static class BlocksTheEventLoop {
        @TempDir
        Path dataDir;

        @Test
        void sleepsOnTheEventLoop() {
            assertThat(callSleeper(dataDir, false)).startsWith("vert.x-eventloop-thread");
        }
    }

    @EnabledIfSystemProperty(named = SELF_TEST, matches = "true")
    static class HandsTheWorkToBlocking {
        @TempDir
        Path dataDir;

        @Test
        void sleepsOnAWorker() {
            assertThat(callSleeper(dataDir, true)).startsWith(Workers.ROUTES_POOL);
        }
    }
}
