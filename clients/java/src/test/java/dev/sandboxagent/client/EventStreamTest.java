package dev.sandboxagent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The SSE consumer: order, resume after a dropped connection, cancellation, failures. */
class EventStreamTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void resumesWithLastEventIdAfterTheConnectionDropsAndDeliversEachEventOnce() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (FakeServer server = new FakeServer((request, exchange) -> {
            OutputStream out = FakeServer.startStream(exchange);
            if (connections.incrementAndGet() == 1) {
                FakeServer.frame(out, ": stream open\n\nid: 1\ndata: " + FakeServer.event(1, "turn.started")
                        + "\n\nid: 2\ndata: " + FakeServer.event(2, "item.delta") + "\n\n");
                return; // the connection drops here
            }
            // a server that resends an event the client already had must not make it appear twice
            FakeServer.frame(out, "id: 2\ndata: " + FakeServer.event(2, "item.delta") + "\n\n"
                    + ": heartbeat\n\nid: 3\ndata: " + FakeServer.event(3, "turn.ended") + "\n\n");
            sleepQuietly();
        })) {
            List<Long> seen = new CopyOnWriteArrayList<>();
            CountDownLatch three = new CountDownLatch(3);
            EventStream stream = server.client("t").streamEvents("s", 0, e -> {
                seen.add(e.sequence());
                three.countDown();
            });
            try (stream) {
                assertThat(three.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(seen).containsExactly(1L, 2L, 3L);
            }
            // lastSequence moves once the consumer has returned, on the stream's thread: read it once that ended.
            assertThat(stream.await(WAIT)).isTrue();
            assertThat(stream.lastSequence()).isEqualTo(3);
            assertThat(server.requests.get(0).path()).isEqualTo("/v1/sessions/s/events/sse");
            assertThat(server.requests.get(0).header("Last-Event-ID")).isEqualTo("0");
            assertThat(server.requests.get(1).header("Last-Event-ID")).isEqualTo("2");
        }
    }

    @Test
    void closeEndsAStreamThatIsWaitingForEvents() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> {
            FakeServer.frame(FakeServer.startStream(exchange), "id: 1\ndata: " + FakeServer.event(1, "x") + "\n\n");
            sleepQuietly();
        })) {
            CountDownLatch first = new CountDownLatch(1);
            EventStream stream = server.client(null).streamEvents("s", 0, e -> first.countDown());
            assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            stream.close();
            assertThat(stream.await(WAIT)).isTrue();
            assertThat(stream.isOpen()).isFalse();
        }
    }

    @Test
    void anHttpErrorOnConnectIsThrownToTheCaller() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> FakeServer.send(exchange, 404,
                "application/problem+json", "{\"type\":\"urn:sandbox-agent:error:session_not_found\","
                        + "\"title\":\"Session not found\",\"status\":404,\"detail\":\"no session 'nope'\"}"))) {
            assertThatThrownBy(() -> server.client(null).streamEvents("nope", 0, e -> { }))
                    .isInstanceOf(SandboxAgentException.class)
                    .hasMessage("no session 'nope' (404)");
        }
    }

    @Test
    void aTurnStreamCompletesWhenTheServerEndsIt() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> {
            try (OutputStream out = FakeServer.startStream(exchange)) {
                FakeServer.frame(out, "id: 4\ndata: " + FakeServer.event(4, "turn.started") + "\n\nid: 5\ndata: "
                        + FakeServer.event(5, "turn.ended") + "\n\n");
            }
        })) {
            List<String> types = new CopyOnWriteArrayList<>();
            EventStream stream = server.client(null).streamTurn("s", "hi", e -> types.add(e.type()));
            assertThat(stream.await(WAIT)).isTrue();
            assertThat(types).containsExactly("turn.started", "turn.ended");
            assertThat(server.requests.get(0).method()).isEqualTo("POST");
            assertThat(server.requests.get(0).body()).isEqualTo("{\"message\":\"hi\"}");
        }
    }

    @Test
    void aFailingConsumerEndsTheStreamWithItsException() throws Exception {
        try (FakeServer server = new FakeServer((request, exchange) -> {
            FakeServer.frame(FakeServer.startStream(exchange), "id: 1\ndata: " + FakeServer.event(1, "x") + "\n\n");
            sleepQuietly();
        })) {
            EventStream stream = server.client(null).streamEvents("s", 0, e -> {
                throw new IllegalStateException("consumer broke");
            });
            assertThatThrownBy(() -> stream.await(WAIT)).hasMessage("consumer broke");
        }
    }

    @Test
    void givesUpWhenTheServerStaysAwayLongerThanTheReconnectWindow() throws Exception {
        FakeServer server = new FakeServer((request, exchange) ->
                FakeServer.frame(FakeServer.startStream(exchange), "id: 1\ndata: " + FakeServer.event(1, "x")
                        + "\n\n"));
        SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(server.url())
                .reconnectWindow(Duration.ofMillis(500)).build();
        CountDownLatch first = new CountDownLatch(1);
        EventStream stream = client.streamEvents("s", 0, e -> first.countDown());
        assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        server.close();
        assertThatThrownBy(() -> stream.await(WAIT)).isInstanceOf(ServerUnavailableException.class);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
