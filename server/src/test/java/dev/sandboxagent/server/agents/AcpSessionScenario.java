package dev.sandboxagent.server.agents;

import static dev.sandboxagent.server.support.Transcripts.completedKinds;
import static dev.sandboxagent.server.support.Transcripts.filesContaining;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static dev.sandboxagent.server.support.Transcripts.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.testing.Eventually;
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
import java.util.function.Supplier;

/**
 * One session of an ACP agent (opencode, gemini) through the HTTP API of a server in a child JVM, with the real CLI
 * from npm against a fake provider, every scenario of issue 11 chained in it (each CLI costs tens of seconds per
 * start on this machine, so one session carries them all): a line of garbage before the agent starts (a wrapper
 * prints it: {@code agent.unparsed}), a remembered word, streamed deltas, a reply that starts
 * with the model's thinking (a {@code reasoning} item), an interrupt, a shell
 * command allowed once and one rejected through the permissions API (after the interrupt: opencode sends a rejected
 * tool's result with the next prompt, which the fake answers as a tool result), the word recalled (the provider's
 * request carries the first turn), a file written by the agent's write tool (a {@code file_ref} on its result), then
 * kill -9 of the server and, in a new server, a message that resumes the
 * conversation (session/load) with the word still known. The canary key, given only in {@code credentials}, is
 * checked in no file under the data dir while the session is live, and in no file, log or event at the end.
 *
 * @param agent       the agent's id
 * @param credentials the provider's key (the canary) and base URL, as a request gives them
 * @param key         the canary key
 * @param shellPrompt the fake provider's prompt for a shell command, followed by the command
 * @param slowPrompt  a prompt whose reply the provider holds back, to interrupt
 * @param streaming   true when the agent forwards deltas as the provider streams them (the interrupt then waits for
 *                    one); false when it writes them only once the provider's message is done (opencode), so the
 *                    interrupt waits for the provider to have the request instead
 * @param requests    the provider's requests so far, as text
 * @param apiKeys     the keys the provider was called with
 * @param executable  the agent's variable for its executable, and the real CLI: the server runs it behind a
 *                    wrapper that first prints a line no adapter can read
 */
record AcpSessionScenario(String agent, Map<String, Object> credentials, String key, String shellPrompt,
                          String slowPrompt, boolean streaming, Supplier<List<String>> requests,
                          Supplier<List<String>> apiKeys, Map.Entry<String, Path> executable) {
    static final Duration WAIT = Duration.ofMinutes(4);
    private static final String GARBAGE = "garbage \u00e9 before the agent speaks";

    void run(Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        try {
            scenario(dir, log);
        } catch (AssertionError e) {
            String tail = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
            throw new AssertionError(e.getMessage() + "\n--- server log (last 6000 chars):\n"
                    + tail.substring(Math.max(0, tail.length() - 6000)), e);
        }
    }

    private void scenario(Path dir, Path log) throws Exception {
        Path data = dir.resolve("data");
        Path work = Files.createDirectories(dir.resolve("work"));
        // opencode fetches npm metadata at start; pointing npm at a closed loopback port keeps it offline (measured:
        // it then runs as usual), which is all these tests may contact.
        // The real CLI behind a wrapper that first writes a line no adapter can read (garbled output).
        Path wrapper = dir.resolve(agent + "-garbled");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' '" + GARBAGE + "'\nexec \"" + executable.getValue()
                + "\" \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString(),
                "npm_config_registry", "http://127.0.0.1:9/", executable.getKey(), wrapper.toString());
        List<String> extra = List.of("agent-env=npm_config_registry");
        String id = agent.substring(0, 1) + "1";
        String cut;
        try (ServerProcess first = ServerProcess.start(data, log, env, extra)) {
            Api api = first.api();
            Api.Answer created = api.post("/v1/sessions/" + id, Api.json(Map.of("agent", agent,
                    "directory", work.toString(), "credentials", credentials)));
            Api.require(created, 200);
            assertThat(created.json().path("healthy").asBoolean()).as(created.toString()).isTrue();

            // 1. A plain turn, streamed in deltas.
            String t1 = send(api, id, "remember the word pelican", null);
            assertThat(status(await(api, id, turnEnded(t1)))).isEqualTo("completed");
            List<JsonNode> events = api.events(id);
            assertThat(events).filteredOn(type("item.delta")).hasSizeGreaterThanOrEqualTo(2);
            assertThat(replies(events)).contains("FAKE_REPLY: you said remember the word pelican");
            // The wrapper's line before the agent spoke is agent.unparsed, and the turn still completed.
            assertThat(events).filteredOn(type("agent.unparsed")).hasSize(1);
            assertThat(api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=2000").body())
                    .contains(GARBAGE);

            // 1b. A reply that starts with the model's thinking: a reasoning item, then the text.
            String thinking = send(api, id, "THINK about pelicans", null);
            assertThat(status(await(api, id, turnEnded(thinking)))).isEqualTo("completed");
            List<JsonNode> reasoning = api.events(id).stream().filter(type("item.completed"))
                    .map(e -> e.at("/data/item"))
                    .filter(item -> item.at("/content/0/type").asText().equals("reasoning")).toList();
            assertThat(reasoning).as("reasoning items").singleElement().satisfies(item -> {
                assertThat(item.path("kind").asText()).isEqualTo("message");
                // Gemini CLI puts the thought's subject first (**Fake thought**), opencode sends the text alone.
                assertThat(item.at("/content/0/text").asText()).endsWith("FAKE_THOUGHT: about pelicans");
            });
            assertThat(replies(api.events(id))).contains("FAKE_REPLY: you said THINK about pelicans");

            // 2. An interrupt while the provider streams; the session stays usable.
            int before = requests.get().size();
            String t4 = send(api, id, slowPrompt, null);
            if (streaming) {
                await(api, id, e -> type("item.delta").test(e) && e.path("data").path("delta").asText()
                        .startsWith("slow-"));
            } else {
                Eventually.await("the provider has the prompt to interrupt", WAIT, requests,
                        r -> r.stream().skip(before).anyMatch(text -> text.contains(slowPrompt)));
            }
            Api.require(api.post("/v1/sessions/" + id + "/interrupt", null), 202);
            JsonNode interrupted = await(api, id, turnEnded(t4));
            assertThat(status(interrupted)).as("%s; events since the prompt: %s", interrupted,
                    api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=2000").body()
                            .replaceAll(".*(\"" + t4 + "\")", "$1")).isEqualTo("interrupted");

            // 3. A shell command, allowed once through the API: it runs in the session's directory.
            String t2 = send(api, id, shellPrompt + "echo approved > approved.txt; cat approved.txt", null);
            JsonNode asked = await(api, id, type("permission.requested"));
            assertThat(asked.path("data").path("action").asText()).contains("echo approved");
            Api.require(api.post("/v1/sessions/" + id + "/permissions/" + asked.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"once\"}"), 204);
            assertThat(status(await(api, id, turnEnded(t2)))).isEqualTo("completed");
            assertThat(work.resolve("approved.txt")).hasContent("approved");
            assertThat(completedKinds(api, id)).containsSubsequence("tool_call", "tool_result", "message");
            assertThat(replies(api.events(id))).anySatisfy(r -> assertThat(r).startsWith("FAKE_DONE: tool said:"));

            // 4. Another, rejected: it does not run, and the turn still ends.
            String t3 = send(api, id, shellPrompt + "echo nope > declined.txt", null);
            JsonNode second = await(api, id, e -> type("permission.requested").test(e)
                    && e.path("sequence").asLong() > asked.path("sequence").asLong());
            Api.require(api.post("/v1/sessions/" + id + "/permissions/" + second.at("/data/permission_id").asText()
                    + "/reply", "{\"reply\":\"reject\"}"), 204);
            await(api, id, turnEnded(t3));
            assertThat(work.resolve("declined.txt")).doesNotExist();
            assertThat(api.events(id).stream().filter(type("permission.resolved"))
                    .map(e -> e.path("data").path("status").asText()).toList()).containsExactly("accept", "reject");

            // 5. The first turn is still in the conversation the provider sees.
            String t5 = send(api, id, "which word did I ask you to remember", null);
            assertThat(status(await(api, id, turnEnded(t5)))).isEqualTo("completed");
            assertThat(requests.get()).anySatisfy(text -> assertThat(text)
                    .contains("remember the word pelican", "which word did I ask you to remember"));
            assertThat(filesContaining(data, key)).as("the key on disk while the session is live").isEmpty();

            // 5b. A file written by the agent's write tool (allowed once if the agent asks): written in the session's
            // directory, and the tool's result names it in a file_ref.
            Path notes = work.resolve("notes.txt");
            long seen = api.events(id).stream().mapToLong(e -> e.path("sequence").asLong()).max().orElse(0);
            String written = send(api, id, "WRITE_FILE: " + notes + " | hello notes", null);
            JsonNode next = await(api, id, e -> e.path("sequence").asLong() > seen
                    && (type("permission.requested").test(e) || turnEnded(written).test(e)));
            if (type("permission.requested").test(next)) {
                Api.require(api.post("/v1/sessions/" + id + "/permissions/" + next.at("/data/permission_id").asText()
                        + "/reply", "{\"reply\":\"once\"}"), 204);
            }
            assertThat(status(await(api, id, turnEnded(written)))).isEqualTo("completed");
            assertThat(notes).hasContent("hello notes");
            List<JsonNode> results = api.events(id).stream().filter(type("item.completed"))
                    .filter(e -> e.path("sequence").asLong() > seen).map(e -> e.at("/data/item"))
                    .filter(item -> item.path("kind").asText().equals("tool_result")).toList();
            assertThat(results).as("tool results of the write").singleElement().satisfies(item ->
                    assertThat(item.path("content").toString()).contains("{\"type\":\"file_ref\",\"path\":\""
                            + notes + "\",\"action\":\"write\"}"));

            // 6. kill -9 mid-turn.
            cut = send(api, id, "one more before the crash", null);
            Eventually.await("the provider has the last prompt", WAIT, requests,
                    r -> r.stream().anyMatch(text -> text.contains("one more before the crash")));
            first.kill9();
        }
        try (ServerProcess second = ServerProcess.start(data, log, env, extra)) {
            Api api = second.api();
            await(api, id, turnEnded(cut));
            // The restarted server has forgotten the key: the message brings it again, as the CLI does.
            String t6 = send(api, id, "after the crash, which word", credentials);
            assertThat(status(await(api, id, turnEnded(t6)))).isEqualTo("completed");
            assertThat(api.events(id)).filteredOn(type("session.resumed")).hasSize(1);
            assertThat(requests.get().get(requests.get().size() - 1)).contains("remember the word pelican",
                    "after the crash, which word");
            assertThat(replies(api.events(id))).anySatisfy(r -> assertThat(r).contains("after the crash, which word"));
            String everything = api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=2000").body();
            assertThat(everything).contains("pelican").doesNotContain(key);
            assertThat(Transcripts.assertItemLifecycles(api.events(id))).isGreaterThan(6);

            // 7. A permission of the resumed agent, which numbers its JSON-RPC requests from 0 again: its id is new
            // in the session, the old process's ids are 404s (not answers to the new request), and the answer
            // reaches the agent under its own id.
            List<String> earlierIds = api.events(id).stream().filter(type("permission.requested"))
                    .map(e -> e.at("/data/permission_id").asText()).toList();
            long resumedSeen = api.events(id).stream().mapToLong(e -> e.path("sequence").asLong()).max().orElse(0);
            String t7 = send(api, id, shellPrompt + "echo resumed > resumed.txt; cat resumed.txt", null);
            JsonNode again = await(api, id, e -> type("permission.requested").test(e)
                    && e.path("sequence").asLong() > resumedSeen);
            String againId = again.at("/data/permission_id").asText();
            assertThat(earlierIds).isNotEmpty().doesNotContain(againId);
            for (String old : earlierIds) {
                assertThat(api.post("/v1/sessions/" + id + "/permissions/" + old + "/reply", "{\"reply\":\"reject\"}")
                        .status()).as("reply to %s of the process before the crash", old).isEqualTo(404);
            }
            Api.require(api.post("/v1/sessions/" + id + "/permissions/" + againId + "/reply",
                    "{\"reply\":\"once\"}"), 204);
            assertThat(status(await(api, id, turnEnded(t7)))).isEqualTo("completed");
            assertThat(work.resolve("resumed.txt")).hasContent("resumed");
            second.terminate();
        }
        assertThat(apiKeys.get()).contains(key); // it really was used
        assertThat(filesContaining(data, key)).isEmpty();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).doesNotContain(key);
        assertThat(filesContaining(data, "pelican")).isNotEmpty(); // the search itself works
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
