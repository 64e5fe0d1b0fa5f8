package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.completedKinds;
import static dev.sandboxagent.server.support.Transcripts.filesContaining;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.pi.PiAdapter;
import dev.sandboxagent.agents.testing.Eventually;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerProcess;
import dev.sandboxagent.server.support.Transcripts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pi ({@code pi --mode rpc}, the real CLI from npm) through the HTTP API of a server in a child JVM, against
 * {@link FakeAnthropic}, its key (a canary) and base URL given in the create request's credentials only. One session
 * carries every scenario (each pi start costs seconds): a permission mode pi does not have is refused; a garbled
 * line (a wrapper prints it before pi starts) is {@code agent.unparsed}; a remembered word streamed in deltas; a
 * bash command that writes a file in the session directory, with its result; a reply interrupted while the provider
 * stalls, then the next turn works; a request the provider refuses (HTTP 400) is an {@code error} and the turn ends
 * {@code error}; the word recalled; the key in no file under the data dir while pi runs, and pi's directory private;
 * kill -9 of the server mid-turn, a new server, a message that resumes pi's own session file (the provider's request
 * holds the first turn); at the end the key in no file, the server log or the events.
 */
class PiSessionTest {
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String GARBAGE = "garbage \u00e9 before pi speaks";

    @TempDir
    Path dir;

    @Test
    void oneSessionStreamsRunsBashSurvivesInterruptProviderErrorAndKillNine() throws Exception {
        Installation pi = RealAgents.require(PiAdapter.ID, PiAdapter.PACKAGE);
        String key = "sk-ant-pi-canary-" + Long.toHexString(System.nanoTime());
        Path log = dir.resolve("server.log");
        try (FakeAnthropic provider = new FakeAnthropic()) {
            try {
                scenario(pi, provider, key, log);
            } catch (AssertionError e) {
                String tail = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
                throw new AssertionError(e.getMessage() + "\n--- server log (last 6000 chars):\n"
                        + tail.substring(Math.max(0, tail.length() - 6000)), e);
            }
        }
    }

    private void scenario(Installation pi, FakeAnthropic provider, String key, Path log) throws Exception {
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        // The real pi behind a wrapper that first writes a line no adapter can read.
        Path wrapper = dir.resolve("pi-garbled");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' '" + GARBAGE + "'\nexec \"" + pi.executable()
                + "\" \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of(PiAdapter.EXECUTABLE_VARIABLE, wrapper.toString());
        Map<String, Object> credentials = Map.of("ANTHROPIC_API_KEY", key, "ANTHROPIC_BASE_URL", provider.baseUrl());
        String id = "pi1";
        String cut;
        try (ServerProcess first = ServerProcess.start(data, log, env, List.of())) {
            Api api = first.api();
            // pi asks no permission: a mode that promises to ask is refused, before anything starts.
            Api.Answer refused = api.post("/v1/sessions/pi0", Api.json(Map.of("agent", PiAdapter.ID,
                    "directory", work.toString(), "permissionMode", "acceptEdits", "credentials", credentials)));
            assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
            assertThat(refused.json().path("type").asText()).contains("mode_not_supported");
            assertThat(refused.json().path("detail").asText()).contains("acceptEdits", "default", "bypass");

            // What the server says of pi: installed, no permissions capability, its models.
            JsonNode agents = Api.JSON.readTree(api.get("/v1/agents").body()).path("agents");
            JsonNode info = java.util.stream.StreamSupport.stream(agents.spliterator(), false)
                    .filter(a -> a.path("id").asText().equals(PiAdapter.ID)).findFirst().orElseThrow();
            assertThat(info.path("installed").asBoolean()).as(info.toString()).isTrue();
            assertThat(info.at("/capabilities/permissions").asBoolean()).as(info.toString()).isFalse();
            assertThat(info.at("/capabilities/toolCalls").asBoolean()).as(info.toString()).isTrue();
            assertThat(api.get("/v1/agents/pi/models").body()).contains("\"defaultModel\":\"claude-sonnet-4-5\"",
                    "claude-haiku-4-5");

            Api.Answer created = api.post("/v1/sessions/" + id, Api.json(Map.of("agent", PiAdapter.ID,
                    "directory", work.toString(), "model", "claude-haiku-4-5", "credentials", credentials)));
            Api.require(created, 200);
            assertThat(created.json().path("healthy").asBoolean()).as(created.toString()).isTrue();

            // 1. A plain turn, streamed in deltas; the wrapper's garbage before it is agent.unparsed.
            String t1 = send(api, id, "remember the word pelican", null);
            assertThat(status(await(api, id, turnEnded(t1)))).isEqualTo("completed");
            List<JsonNode> events = api.events(id);
            assertThat(events).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(5);
            assertThat(replies(events)).contains("FAKE_REPLY: you said remember the word pelican");
            assertThat(provider.requests().get(0).path("model").asText()).isEqualTo("claude-haiku-4-5");
            assertThat(api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=2000").body())
                    .contains("agent.unparsed", GARBAGE);

            // 2. A bash command: it runs in the session's directory, and its output comes back.
            String t2 = send(api, id, "RUN_BASH: echo hello > hello.txt; cat hello.txt", null);
            assertThat(status(await(api, id, turnEnded(t2)))).isEqualTo("completed");
            assertThat(work.resolve("hello.txt")).hasContent("hello");
            assertThat(completedKinds(api, id)).containsSubsequence("tool_call", "tool_result", "message");
            JsonNode result = await(api, id, e -> type("item.completed").test(e)
                    && e.at("/data/item/kind").asText().equals("tool_result"));
            assertThat(result.at("/data/item/content/0/output").asText()).isEqualTo("hello\n");
            assertThat(replies(api.events(id))).contains("FAKE_DONE: tool said: hello");
            assertThat(filesContaining(data, key)).as("the key on disk while pi runs").isEmpty();

            // 3. An interrupt while the provider stalls (pi's abort); the session stays usable.
            String t3 = send(api, id, "STALL", null);
            await(api, id, e -> type("item.delta").test(e) && e.at("/data/delta").asText().equals("stalled "));
            Api.require(api.post("/v1/sessions/" + id + "/interrupt", null), 202);
            assertThat(status(await(api, id, turnEnded(t3)))).isEqualTo("interrupted");

            // 4. A request the provider refuses: an error event, and the turn ends in error.
            String t4 = send(api, id, "FAIL_REQUEST", null);
            JsonNode failed = await(api, id, turnEnded(t4));
            assertThat(status(failed)).isEqualTo("error");
            JsonNode error = await(api, id, type("error"));
            assertThat(error.at("/data/code").asText()).isEqualTo("provider_error");
            assertThat(error.at("/data/details/http_status").asInt()).isEqualTo(400);
            assertThat(error.at("/data/message").asText()).contains("the fake provider refuses this request");

            // 5. The first turn is still in the conversation the provider sees.
            String t5 = send(api, id, "which word did I ask you to remember", null);
            assertThat(status(await(api, id, turnEnded(t5)))).isEqualTo("completed");
            assertThat(lastRequest(provider)).contains("remember the word pelican",
                    "which word did I ask you to remember");
            assertThat(filesContaining(data, key)).as("the key on disk while pi runs").isEmpty();
            Path home = piHome(data);
            assertThat(Files.getPosixFilePermissions(home)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(home.resolve("models.json")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.readString(home.resolve("models.json"))).contains(provider.baseUrl()).doesNotContain(key);

            // 6. kill -9 mid-turn.
            cut = send(api, id, "one more before the crash", null);
            Eventually.await("the provider has the last prompt", WAIT, () -> provider.requests(),
                    r -> r.stream().anyMatch(request -> FakeAnthropic.textOf(request)
                            .contains("one more before the crash")));
            first.kill9();
        }
        try (ServerProcess second = ServerProcess.start(data, log, env, List.of())) {
            Api api = second.api();
            await(api, id, turnEnded(cut));
            // The restarted server has forgotten the key: the message brings it again, as the CLI does.
            String t6 = send(api, id, "after the crash, which word", credentials);
            assertThat(status(await(api, id, turnEnded(t6)))).isEqualTo("completed");
            assertThat(api.events(id)).filteredOn(type("session.resumed")).hasSize(1);
            assertThat(lastRequest(provider)).contains("remember the word pelican", "after the crash, which word");
            assertThat(replies(api.events(id))).contains("FAKE_REPLY: you said after the crash, which word");
            String everything = api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=2000").body();
            assertThat(everything).contains("pelican").doesNotContain(key);
            assertThat(Transcripts.assertItemLifecycles(api.events(id))).isGreaterThan(6);
            // The wrapper's line, once per start of pi, and nothing else: pi's stdout on the PTY is its JSON alone.
            assertThat(api.events(id)).filteredOn(type("agent.unparsed")).hasSize(2);
            second.terminate();
        }
        assertThat(provider.apiKeys()).contains(key); // it really was used
        assertThat(filesContaining(data, key)).isEmpty();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).doesNotContain(key);
        assertThat(filesContaining(data, "pelican")).isNotEmpty(); // the search itself works
    }

    /** pi's directory in the session's state directory. */
    private static Path piHome(Path data) throws java.io.IOException {
        try (Stream<Path> dirs = Files.find(data, 4, (p, a) -> a.isDirectory()
                && p.getFileName().toString().equals("pi-home"))) {
            return dirs.findFirst().orElseThrow(() -> new AssertionError("no pi-home under " + data));
        }
    }

    private static String lastRequest(FakeAnthropic provider) {
        List<JsonNode> requests = provider.requests();
        return FakeAnthropic.textOf(requests.get(requests.size() - 1));
    }

    private static JsonNode await(Api api, String id, Predicate<JsonNode> condition) throws InterruptedException {
        return Transcripts.await(api, id, condition, WAIT);
    }

    private static String status(JsonNode turnEnded) {
        return turnEnded.at("/data/metadata/status").asText();
    }

    private static List<String> replies(List<JsonNode> events) {
        return events.stream().filter(type("item.completed"))
                .map(e -> e.path("data").path("item"))
                .filter(item -> item.path("kind").asText().equals("message")
                        && item.path("role").asText().equals("assistant"))
                .map(item -> item.path("content").path(0).path("text").asText()).toList();
    }
}
