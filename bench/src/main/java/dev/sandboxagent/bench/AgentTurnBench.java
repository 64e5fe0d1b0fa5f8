package dev.sandboxagent.bench;

import static dev.sandboxagent.schema.EventType.TURN_ENDED;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.Installation;
import dev.sandboxagent.agents.install.NpmPackage;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.client.CreateSessionRequest;
import dev.sandboxagent.client.EventStream;
import dev.sandboxagent.client.SandboxAgentClient;
import dev.sandboxagent.server.SandboxAgentServer;
import dev.sandboxagent.server.ServerConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a turn costs with a real agent, two ways side by side in one run against the same fake provider on
 * 127.0.0.1:
 * <ol>
 *   <li><b>through this server</b>: one long-lived agent process per session (Claude Code in stream-json mode,
 *   {@code codex app-server}); create, then N turns, each timed from the message POST to its {@code turn.ended}
 *   arriving on the SSE stream;</li>
 *   <li><b>one process per message</b>, the way a plain wrapper drives an agent: {@code claude -p ...
 *   --resume ID} or {@code codex exec --json resume ID ...}, each timed from spawn to exit.</li>
 * </ol>
 * The fake answers at once, so the figures are the agent's and our overhead, not a model's.
 *
 * <p>Usage: {@code AgentTurnBench claude|codex [turns] [agentsDir]}; the agent must be installed in agentsDir
 * (default ~/.cache/sandbox-agent-test/agents, where the tests put it; or run {@code sandbox-agent install-agent
 * AGENT --agents-dir DIR}).
 */
public final class AgentTurnBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentTurnBench() {
    }

    public static void main(String[] args) throws Exception {
        String agent = args.length > 0 ? args[0] : "claude";
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path agentsDir = args.length > 2 ? Path.of(args[2])
                : Path.of(System.getProperty("user.home"), ".cache", "sandbox-agent-test", "agents");
        NpmPackage pkg = agent.equals("codex") ? CodexAdapter.PACKAGE : ClaudeAdapter.PACKAGE;
        Installation installed = new AgentInstaller(agentsDir, System.getenv()).findManaged(agent, pkg)
                .orElseThrow(() -> new IllegalStateException(agent + " is not installed in " + agentsDir
                        + "; run: sandbox-agent install-agent " + agent + " --agents-dir " + agentsDir));
        System.out.printf("agent=%s %s turns=%d java=%s cores=%d%n", agent, installed.version(), turns,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        try (FakeAnthropic anthropic = new FakeAnthropic(); FakeOpenAI openai = new FakeOpenAI()) {
            Map<String, String> credentials = agent.equals("codex")
                    ? Map.of("OPENAI_API_KEY", "sk-bench", "OPENAI_BASE_URL", openai.baseUrl())
                    : Map.of("ANTHROPIC_API_KEY", "sk-ant-bench", "ANTHROPIC_BASE_URL", anthropic.baseUrl());
            Path work = temporary("bench-work");
            long[] server = throughServer(agent, agentsDir, credentials, work, turns);
            // Codex: its native binary, as our adapter runs it (the npm .bin/codex is a node wrapper around it).
            Path nativeCodex = agentsDir.resolve("codex/node_modules/@openai/codex-linux-x64/vendor/"
                    + "x86_64-unknown-linux-musl/bin/codex");
            long[] direct = agent.equals("codex")
                    ? codexPerMessage(Files.isExecutable(nativeCodex) ? nativeCodex : installed.executable(),
                            credentials, work, turns)
                    : claudePerMessage(installed.executable(), credentials, work, turns);
            report("through the server (create, then turns)", server);
            report("one process per message", direct);
        } finally {
            for (Path dir : TEMPORARY) {
                deleteTree(dir);
            }
        }
    }

    private static final List<Path> TEMPORARY = new ArrayList<>();

    private static Path temporary(String prefix) throws java.io.IOException {
        Path dir = Files.createTempDirectory(prefix);
        TEMPORARY.add(dir);
        return dir;
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** [0] = create (agent started and ready), [1..] = turns. */
    private static long[] throughServer(String agent, Path agentsDir, Map<String, String> credentials, Path work,
                                        int turns) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", System.getProperty("user.home"), "SANDBOX_AGENT_AGENTS_DIR", agentsDir.toString()));
        ServerConfig config = new ServerConfig("127.0.0.1", 0, null, temporary("bench-data"),
                1024 * 1024, env);
        long[] millis = new long[turns + 1];
        try (SandboxAgentServer server = SandboxAgentServer.start(config)) {
            SandboxAgentClient client = SandboxAgentClient.builder()
                    .baseUrl(URI.create("http://127.0.0.1:" + server.port())).build();
            long start = System.nanoTime();
            client.createSession("bench", CreateSessionRequest.builder(agent).permissionMode("bypass")
                    .directory(work.toString()).credentials(credentials).build());
            millis[0] = elapsedMillis(start);
            for (int i = 1; i <= turns; i++) {
                long offset = client.getSession("bench").eventCount();
                CompletableFuture<Void> ended = new CompletableFuture<>();
                String[] turnId = new String[1];
                try (EventStream stream = client.streamEvents("bench", offset, e -> {
                    if (TURN_ENDED.is(e.type()) && e.data().path("turn_id").asText().equals(turnId[0])) {
                        ended.complete(null);
                    }
                })) {
                    long t = System.nanoTime();
                    turnId[0] = client.sendMessage("bench", "turn number " + i);
                    ended.get(120, TimeUnit.SECONDS);
                    millis[i] = elapsedMillis(t);
                }
            }
        }
        return millis;
    }

    private static long[] claudePerMessage(Path claude, Map<String, String> credentials, Path work, int turns)
            throws Exception {
        Path home = temporary("bench-claude-home");
        Map<String, String> env = new HashMap<>(credentials);
        env.putAll(Map.of("HOME", home.toString(), "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "IS_SANDBOX", "1", "DISABLE_AUTOUPDATER", "1", "DISABLE_TELEMETRY", "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1", "CLAUDE_CODE_MAX_RETRIES", "0"));
        String id = UUID.randomUUID().toString();
        long[] millis = new long[turns + 1];
        for (int i = 1; i <= turns; i++) {
            List<String> command = new ArrayList<>(List.of(claude.toString(), "-p", "turn number " + i,
                    "--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions"));
            command.addAll(i == 1 ? List.of("--session-id", id) : List.of("--resume", id));
            millis[i] = timeProcess(command, env, work, null);
        }
        return millis;
    }

    private static long[] codexPerMessage(Path codex, Map<String, String> credentials, Path work, int turns)
            throws Exception {
        // Not under /tmp: Codex warns that it will not create its helper links in a temporary directory.
        Path home = Files.createDirectories(Path.of("/var/tmp").resolve("bench-codex-home-" + UUID.randomUUID()));
        TEMPORARY.add(home);
        Files.writeString(home.resolve("config.toml"), String.join("\n",
                "model = \"gpt-5.5\"", "model_provider = \"fake\"", "check_for_update_on_startup = false",
                "[model_providers.fake]", "name = \"fake\"", "base_url = \"" + credentials.get("OPENAI_BASE_URL") + "\"",
                "wire_api = \"responses\"", "env_key = \"OPENAI_API_KEY\"", "request_max_retries = 0",
                "stream_max_retries = 0", "[analytics]", "enabled = false", ""), StandardCharsets.UTF_8);
        Map<String, String> env = new HashMap<>(credentials);
        env.putAll(Map.of("CODEX_HOME", home.toString(), "HOME", System.getProperty("user.home"),
                "PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
        long[] millis = new long[turns + 1];
        String[] thread = new String[1];
        for (int i = 1; i <= turns; i++) {
            List<String> command = new ArrayList<>(List.of(codex.toString(), "exec", "--json",
                    "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox"));
            if (i > 1) {
                command.addAll(List.of("resume", thread[0]));
            }
            command.add("turn number " + i);
            millis[i] = timeProcess(command, env, work, line -> {
                if (thread[0] == null && line.contains("\"thread.started\"")) {
                    thread[0] = JSON.readTree(line).path("thread_id").asText();
                }
            });
        }
        return millis;
    }

    private interface LineHandler {
        void accept(String line) throws Exception;
    }

    private static long timeProcess(List<String> command, Map<String, String> env, Path dir, LineHandler lines)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(new File("/dev/null")).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(env);
        long start = System.nanoTime();
        Process p = builder.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (lines != null) {
                    lines.accept(line);
                }
            }
        }
        int code = p.waitFor();
        long millis = elapsedMillis(start);
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + code);
        }
        return millis;
    }

    private static void report(String what, long[] millis) {
        List<Long> later = new ArrayList<>();
        for (int i = 2; i < millis.length; i++) {
            later.add(millis[i]);
        }
        later.sort(Long::compare);
        System.out.printf("%-42s start/create %5d ms, turn 1 %5d ms, turns 2..%d median %5d ms, max %5d ms%n",
                what, millis[0], millis[1], millis.length - 1, later.isEmpty() ? 0 : later.get(later.size() / 2),
                later.isEmpty() ? 0 : later.get(later.size() - 1));
    }

    private static long elapsedMillis(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
