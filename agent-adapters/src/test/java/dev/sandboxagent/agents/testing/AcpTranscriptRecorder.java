package dev.sandboxagent.agents.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Records the ACP transcripts under {@code agent-adapters/src/test/resources/acp/<agent>/} by driving the real CLI
 * (from the test agents cache, {@link RealAgents#agentsDir()}) against its fake provider: every JSON-RPC line in
 * both directions and every reply the fake sent, in order. Run by hand, not by the build:
 * <pre>
 * java -cp ... dev.sandboxagent.agents.testing.AcpTranscriptRecorder opencode|gemini stdio|pty|pty-pipe \
 *     OUT_DIR|- [scenario...]
 * </pre>
 * Scenarios: text, streaming, tool, permission-allow, permission-reject, cancel, load, provider-error, mode-yolo
 * (gemini only).
 * Paths of the temporary directories are replaced by {@code <cwd>} and {@code <root>}.
 */
public final class AcpTranscriptRecorder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TURN = Duration.ofSeconds(90);
    private static final List<String> ALL = List.of("text", "streaming", "tool", "permission-allow",
            "permission-reject", "cancel", "load");

    private final String agent;
    private final String transport;
    private final Path root;
    private final Path cwd;

    private AcpTranscriptRecorder(String agent, String transport, Path root) throws Exception {
        this.agent = agent;
        this.transport = transport;
        this.root = root;
        this.cwd = root.resolve("cwd");
        Files.createDirectories(cwd);
    }

    public static void main(String[] args) throws Exception {
        String agent = args[0];
        String transport = args[1];
        String out = args[2];
        List<String> scenarios = args.length > 3 ? List.of(args).subList(3, args.length) : ALL;
        for (String scenario : scenarios) {
            Path root = Files.createTempDirectory(Path.of("/var/tmp"), "acp-" + agent + "-");
            AcpWire.Transcript transcript = new AcpWire.Transcript();
            long start = System.nanoTime();
            String problem = null;
            try {
                new AcpTranscriptRecorder(agent, transport, root).run(scenario, transcript);
            } catch (Throwable e) {
                problem = e.toString();
            }
            String text = render(transcript, root);
            System.err.printf("== %s %s %s: %d lines, %.1f s%s%n", agent, transport, scenario,
                    transcript.lines().size(), (System.nanoTime() - start) / 1e9,
                    problem == null ? "" : " FAILED " + problem);
            if (out.equals("-") || problem != null) {
                System.out.println(text);
            }
            if (!out.equals("-") && problem == null) {
                Files.createDirectories(Path.of(out));
                Files.writeString(Path.of(out, scenario + ".jsonl"), text);
            }
            System.err.println("   root kept for inspection: " + root);
        }
    }

    private static String render(AcpWire.Transcript transcript, Path root) {
        StringBuilder all = new StringBuilder();
        for (ObjectNode line : transcript.lines()) {
            all.append(line.toString()
                    .replace(root.resolve("cwd").toString(), "<cwd>")
                    .replace(root.toString(), "<root>")).append('\n');
        }
        return all.toString();
    }

    private void run(String scenario, AcpWire.Transcript transcript) throws Exception {
        boolean ask = scenario.startsWith("permission");
        try (FakeAnthropic anthropic = new FakeAnthropic(); FakeGemini gemini = new FakeGemini()) {
            anthropic.onReply(reply -> transcript.add("provider", reply));
            gemini.onReply(reply -> transcript.add("provider", reply));
            AcpAgents.Launch launch = launch(anthropic, gemini, ask, scenario.equals("tool"));
            if (scenario.equals("load")) {
                String sessionId;
                try (AcpWire wire = start(launch, transcript)) {
                    initialize(wire);
                    sessionId = newSession(wire);
                    prompt(wire, sessionId, "remember the word kiwi");
                }
                transcript.addText("note", "the agent was stopped and started again");
                try (AcpWire wire = start(launch, transcript)) {
                    initialize(wire);
                    ObjectNode params = JSON.createObjectNode().put("sessionId", sessionId).put("cwd", cwd.toString());
                    params.putArray("mcpServers");
                    JsonNode loaded = wire.call("session/load", params, TURN);
                    System.err.println("   session/load: " + loaded);
                    prompt(wire, sessionId, "which word?");
                    JsonNode last = agent.equals("gemini") ? last(gemini.requests()) : last(anthropic.requests());
                    System.err.println("   history re-sent to the provider: " + last.toString().contains("kiwi"));
                }
                return;
            }
            try (AcpWire wire = start(launch, transcript)) {
                wire.onRequest(request -> answer(request, scenario));
                initialize(wire);
                String sessionId = newSession(wire);
                switch (scenario) {
                    case "text" -> prompt(wire, sessionId, "say hi");
                    case "mode-yolo" -> {
                        // the ACP session mode instead of the CLI flag: the shell command must run unasked
                        JsonNode set = wire.call("session/set_mode", JSON.createObjectNode()
                                .put("sessionId", sessionId).put("modeId", "yolo"), TURN);
                        System.err.println("   session/set_mode: " + set);
                        prompt(wire, sessionId, "RUN_SHELL: echo hello > made.txt; cat made.txt");
                        System.err.println("   made.txt exists: " + Files.exists(cwd.resolve("made.txt")));
                    }
                    case "streaming" -> prompt(wire, sessionId, "SLOW 4");
                    case "provider-error" -> {
                        // the fake refuses the request with a 400 (not retried); the next prompt must still work
                        prompt(wire, sessionId, "FAIL_REQUEST please");
                        prompt(wire, sessionId, "say hi again");
                    }
                    case "tool", "permission-allow", "permission-reject" -> {
                        prompt(wire, sessionId, "RUN_" + (agent.equals("gemini") ? "SHELL" : "BASH")
                                + ": echo hello > made.txt; cat made.txt");
                        System.err.println("   made.txt exists: " + Files.exists(cwd.resolve("made.txt")));
                    }
                    case "cancel" -> {
                        var turn = wire.send("session/prompt", promptParams(sessionId, "SLOW 30"));
                        // While the provider is still streaming: opencode 1.18.33 writes its chunks only once the
                        // provider's message is complete, so waiting for a chunk would be too late to cancel.
                        long deadline = System.nanoTime() + TURN.toNanos();
                        while (transcript.lines().stream().noneMatch(l -> l.path("from").asText().equals("provider")
                                && l.toString().contains("slow-3 ")) && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                        }
                        wire.notify("session/cancel", JSON.createObjectNode().put("sessionId", sessionId));
                        System.err.println("   cancelled turn: "
                                + turn.get(TURN.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
                        prompt(wire, sessionId, "still there?");
                    }
                    default -> throw new IllegalArgumentException("unknown scenario " + scenario);
                }
                if (!wire.stderr().isEmpty()) {
                    System.err.println("   stderr: " + String.join("\n           ", wire.stderr()));
                }
            }
        }
    }

    private static JsonNode last(List<JsonNode> requests) {
        return requests.isEmpty() ? JSON.createObjectNode() : requests.get(requests.size() - 1);
    }

    /** Permission requests: the first option of the wanted kind. */
    private static JsonNode answer(ObjectNode request, String scenario) {
        if (!request.path("method").asText().equals("session/request_permission")) {
            return null;
        }
        String kind = scenario.equals("permission-reject") ? "reject_once" : "allow_once";
        for (JsonNode option : request.path("params").path("options")) {
            if (option.path("kind").asText().equals(kind)) {
                ObjectNode result = JSON.createObjectNode();
                result.putObject("outcome").put("outcome", "selected")
                        .put("optionId", option.path("optionId").asText());
                return result;
            }
        }
        ObjectNode cancelled = JSON.createObjectNode();
        cancelled.putObject("outcome").put("outcome", "cancelled");
        return cancelled;
    }

    private AcpAgents.Launch launch(FakeAnthropic anthropic, FakeGemini gemini, boolean ask, boolean autoApprove)
            throws Exception {
        return switch (agent) {
            case "opencode" -> AcpAgents.opencode(executable("opencode"), root, anthropic.baseUrl(),
                    "sk-ant-fake-key", ask);
            case "gemini" -> AcpAgents.gemini(executable("gemini"), root, gemini.baseUrl(), "fake-gemini-key",
                    autoApprove ? List.of("--approval-mode", "yolo") : List.of());
            default -> throw new IllegalArgumentException("unknown agent " + agent);
        };
    }

    private static Path executable(String agent) {
        return RealAgents.agentsDir().resolve(agent).resolve("node_modules").resolve(".bin").resolve(agent);
    }

    private AcpWire start(AcpAgents.Launch launch, AcpWire.Transcript transcript) throws Exception {
        Map<String, String> env = new java.util.LinkedHashMap<>(launch.env());
        // -Dacp.env=NAME=value,NAME=value: extra variables, for experiments (e.g. an unreachable npm registry)
        for (String pair : System.getProperty("acp.env", "").split(",")) {
            if (pair.contains("=")) {
                env.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        return switch (transport) {
            case "stdio" -> AcpWire.stdio(launch.command(), cwd, env, transcript);
            case "pty" -> AcpWire.pty(launch.command(), cwd, env, false, transcript);
            case "pty-pipe" -> AcpWire.pty(launch.command(), cwd, env, true, transcript);
            default -> throw new IllegalArgumentException("unknown transport " + transport);
        };
    }

    private static void initialize(AcpWire wire) throws Exception {
        ObjectNode params = JSON.createObjectNode().put("protocolVersion", 1);
        ObjectNode caps = params.putObject("clientCapabilities");
        caps.putObject("fs").put("readTextFile", false).put("writeTextFile", false);
        caps.put("terminal", false);
        params.putObject("clientInfo").put("name", "sandbox-agent-test").put("version", "0.0.1");
        JsonNode answer = wire.call("initialize", params, TURN);
        require(answer, "initialize");
    }

    private String newSession(AcpWire wire) throws Exception {
        ObjectNode params = JSON.createObjectNode().put("cwd", cwd.toString());
        params.putArray("mcpServers");
        JsonNode answer = wire.call("session/new", params, TURN);
        require(answer, "session/new");
        return answer.path("result").path("sessionId").asText();
    }

    private static ObjectNode promptParams(String sessionId, String text) {
        ObjectNode params = JSON.createObjectNode().put("sessionId", sessionId);
        params.putArray("prompt").addObject().put("type", "text").put("text", text);
        return params;
    }

    private static JsonNode prompt(AcpWire wire, String sessionId, String text) throws Exception {
        JsonNode answer = wire.call("session/prompt", promptParams(sessionId, text), TURN);
        System.err.println("   prompt '" + text + "': " + answer);
        return answer;
    }

    private static void require(JsonNode answer, String what) {
        if (answer.has("error")) {
            throw new IllegalStateException(what + " failed: " + answer.get("error"));
        }
    }

    @SuppressWarnings("unused")
    private static List<String> lines(List<ObjectNode> all) {
        List<String> out = new ArrayList<>();
        all.forEach(l -> out.add(l.toString()));
        return out;
    }
}
