package dev.sandboxagent.server;

import static dev.sandboxagent.server.support.Transcripts.await;
import static dev.sandboxagent.server.support.Transcripts.send;
import static dev.sandboxagent.server.support.Transcripts.turnEnded;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.pi.PiAdapter;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.server.support.Api;
import dev.sandboxagent.server.support.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Provider keys never reach the data directory, the server's log or the events, for every agent: one key in the
 * server's environment, another given with a request's {@code credentials}. Each session runs a real shell command
 * through the agent's tool (the real CLIs from npm against fake providers on 127.0.0.1), and every file under the
 * data dir is searched for the keys' bytes while the tool call runs, after the turn while the agent still runs, after
 * terminate and after delete: the agents keep files of their own in the data dir (Codex's shell snapshots, Claude
 * Code's) and some exist only while the agent runs.
 */
class SecretsOnDiskTest {
    /** How long after the sessions started the data dir is searched again and again while they live. */
    private static final Duration LIVE_WATCH = Duration.ofSeconds(30);
    private static FakeAnthropic anthropic;
    private static FakeOpenAI openai;
    private static FakeGemini gemini;

    @TempDir
    Path dir;

    /** What differs per agent: which key it uses, where its provider is, and how a message runs a shell command. */
    enum Agent {
        MOCK("mock", "ANTHROPIC_API_KEY", null, "tool bash echo ran\nsleep 3"),
        CLAUDE(ClaudeAdapter.ID, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "RUN_BASH: echo ran; sleep 3"),
        CODEX(CodexAdapter.ID, "OPENAI_API_KEY", "OPENAI_BASE_URL", "RUN_SHELL: echo ran; sleep 3"),
        OPENCODE(OpencodeAdapter.ID, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "RUN_BASH: echo ran; sleep 3"),
        GEMINI(GeminiAdapter.ID, "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "RUN_SHELL: echo ran; sleep 3"),
        PI(PiAdapter.ID, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "RUN_BASH: echo ran; sleep 3");

        final String id;
        final String keyVariable;
        final String baseUrlVariable;
        final String runsAShellCommand;

        Agent(String id, String keyVariable, String baseUrlVariable, String runsAShellCommand) {
            this.id = id;
            this.keyVariable = keyVariable;
            this.baseUrlVariable = baseUrlVariable;
            this.runsAShellCommand = runsAShellCommand;
        }

        void require() {
            switch (this) {
                case CLAUDE -> RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
                case CODEX -> RealAgents.require(CodexAdapter.ID, CodexAdapter.PACKAGE);
                case OPENCODE -> RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
                case GEMINI -> RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
                case PI -> RealAgents.require(PiAdapter.ID, PiAdapter.PACKAGE);
                case MOCK -> { }
            }
        }

        String baseUrl() {
            return switch (this) {
                case CLAUDE, OPENCODE, PI -> anthropic.baseUrl();
                case CODEX -> openai.baseUrl();
                case GEMINI -> gemini.baseUrl();
                case MOCK -> null;
            };
        }

        /** The keys the provider was called with: proof that a key did reach the agent. */
        List<String> keysSeenByProvider() {
            return switch (this) {
                case CLAUDE, OPENCODE, PI -> anthropic.apiKeys();
                case GEMINI -> gemini.apiKeys();
                case CODEX -> openai.authorizations().stream().map(a -> a.replaceFirst("^Bearer ", "")).toList();
                case MOCK -> null;
            };
        }
    }

    @BeforeAll
    static void providers() throws IOException {
        anthropic = new FakeAnthropic();
        openai = new FakeOpenAI();
        gemini = new FakeGemini();
    }

    @AfterAll
    static void stopProviders() {
        if (anthropic != null) {
            anthropic.close();
        }
        if (openai != null) {
            openai.close();
        }
        if (gemini != null) {
            gemini.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Agent.class)
    void noKeyReachesDiskLogOrEventsWhileTheSessionLivesNorAfter(Agent agent) throws Exception {
        agent.require();
        String fromEnvironment = canary("env");
        String fromRequest = canary("req");
        List<String> canaries = List.of(fromEnvironment, fromRequest);
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString());
        environment.put(agent.keyVariable, fromEnvironment);
        List<String> forwarded = new ArrayList<>(List.of("agent-env=" + agent.keyVariable));
        if (agent.baseUrlVariable != null) {
            environment.put(agent.baseUrlVariable, agent.baseUrl());
            forwarded.add("agent-env=" + agent.baseUrlVariable);
        }
        if (agent == Agent.OPENCODE) {
            // opencode fetches npm metadata at start: a closed loopback port keeps it offline (docs/agents.md)
            environment.put("npm_config_registry", "http://127.0.0.1:9/");
            forwarded.add("agent-env=npm_config_registry");
        }
        try (ServerProcess server = ServerProcess.start(data, log, environment, forwarded)) {
            Api api = server.api();
            // one session on the server's key, one on a key given with the request
            long createdAt = System.nanoTime();
            create(api, "from-env", agent, Map.of());
            create(api, "from-request", agent, Map.of(agent.keyVariable, fromRequest));
            List<String> sessions = List.of("from-env", "from-request");
            Supplier<String> everything = () -> log(log) + sessions.stream()
                    .map(id -> api.get("/v1/sessions/" + id + "/events?include_raw=true&limit=1000").body())
                    .reduce("", String::concat);

            for (String id : sessions) {
                String turn = send(api, id, agent.runsAShellCommand, null);
                await(api, id, e -> isItem(e, "tool_call"));
                assertNoCanary(data, everything, canaries, id + ": while its tool call runs");
                JsonNode ended = await(api, id, turnEnded(turn));
                assertThat(ended.at("/data/metadata/status").asText()).as(ended.toString()).isEqualTo("completed");
                assertThat(api.events(id)).as("the command ran").anyMatch(e -> isItem(e, "tool_result"));
                assertThat(api.session(id).path("ended").asBoolean()).as("the agent still runs").isFalse();
                assertNoCanary(data, everything, canaries, id + ": after its turn, the agent still running");
            }
            // Agents also write in the background: Codex 0.169 finishes its shell snapshot (begun when a thread
            // starts) some 10 s later here, as a login shell is slow to start. Keep looking while the sessions live.
            long until = createdAt + LIVE_WATCH.toNanos();
            do {
                assertNoCanary(data, everything, canaries, "while the sessions live, idle");
                Thread.sleep(500);
            } while (System.nanoTime() < until);
            if (agent.keysSeenByProvider() != null) {
                // the keys did reach the agents, or finding them nowhere would prove nothing
                assertThat(agent.keysSeenByProvider()).contains(fromEnvironment, fromRequest);
            }
            for (String id : sessions) {
                Api.require(api.post("/v1/sessions/" + id + "/terminate", null), 204);
            }
            assertNoCanary(data, everything, canaries, "after terminate");
            for (String id : sessions) {
                Api.require(api.delete("/v1/sessions/" + id), 204);
            }
            assertNoCanary(data, () -> log(log), canaries, "after delete");
        }
        assertNoCanary(data, () -> log(log), canaries, "after the server stopped");
    }

    private void create(Api api, String id, Agent agent, Map<String, String> credentials) throws IOException {
        Path work = Files.createDirectories(dir.resolve("work-" + id));
        Map<String, Object> body = new LinkedHashMap<>(Map.of("agent", agent.id, "directory", work.toString()));
        if (agent != Agent.MOCK) {
            body.put("permissionMode", "bypass"); // the command runs without a permission round trip
        }
        if (!credentials.isEmpty()) {
            body.put("credentials", credentials);
        }
        Api.Answer a = api.post("/v1/sessions/" + id, Api.json(body));
        Api.require(a, 200);
        assertThat(a.json().path("healthy").asBoolean()).as(a.toString()).isTrue();
    }

    private static boolean isItem(JsonNode event, String kind) {
        return event.path("type").asText().equals("item.completed")
                && event.path("data").path("item").path("kind").asText().equals(kind);
    }

    private static void assertNoCanary(Path data, Supplier<String> logAndEvents, List<String> canaries, String when)
            throws IOException {
        String text = logAndEvents.get();
        for (String canary : canaries) {
            // Its random tail, not the whole key: a copy cut short (as tools keep the last 20 characters of a key to
            // recognise it) is a leak too.
            String tail = canary.substring(canary.length() - 16);
            assertThat(filesContaining(data, tail)).as("files under the data dir holding (part of) a key, " + when)
                    .isEmpty();
            assertThat(text).as("the server log and the events, " + when).doesNotContain(tail);
        }
    }

    /**
     * Every regular file under {@code root} whose bytes contain {@code text}. Agents create and delete files while
     * this runs, so a file that went away between listing and reading is skipped.
     */
    private static List<Path> filesContaining(Path root, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof NoSuchFileException) {
                return filesContaining(root, text); // a directory went away mid-walk: list again
            }
            throw e;
        }
        for (Path file : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue;
            }
            if (contains(bytes, needle)) {
                found.add(file);
            }
        }
        return found;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String log(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String canary(String origin) {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        return "sk-canary-" + origin + "-" + HexFormat.of().formatHex(random);
    }
}
