package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.install.NpmPackage;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeGemini;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.Eventually;
import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCode and Gemini CLI (the real CLIs from npm, through our ACP adapter) driven only through the
 * {@code sandbox-agent} CLI against a real server, the way a user in a sandbox does: the provider's key and base URL
 * are in the CLI's environment only (the CLI forwards them), the turn's text is followed with {@code --wait}, a shell
 * command's permission is answered with {@code reply-permission} (once, then reject) while another CLI command still
 * follows the turn, and {@code events} lists the whole session. The fakes: {@link FakeAnthropic} for opencode,
 * {@link FakeGemini} for gemini. The HTTP-level scenarios (interrupt, kill -9 and resume, keys on disk) are
 * {@code OpencodeSessionTest} and {@code GeminiSessionTest} in the server module.
 */
class AcpAgentsCliTest {
    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path dir;
    @TempDir
    Path home;

    @Test
    void opencodeThroughTheCli() throws Exception {
        RealAgents.require(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE);
        String key = "sk-ant-opencode-cli-" + Long.toHexString(System.nanoTime());
        try (FakeAnthropic provider = new FakeAnthropic()) {
            new Scenario(OpencodeAdapter.ID, OpencodeAdapter.PACKAGE,
                    Map.of("ANTHROPIC_API_KEY", key, "ANTHROPIC_BASE_URL", provider.baseUrl()), "RUN_BASH: ",
                    () -> provider.requests().stream().map(FakeAnthropic::textOf).toList(), true)
                    .run(dir, home);
            assertThat(provider.apiKeys()).containsOnly(key);
        }
    }

    @Test
    void geminiThroughTheCli() throws Exception {
        RealAgents.require(GeminiAdapter.ID, GeminiAdapter.PACKAGE);
        String key = "gemini-cli-" + Long.toHexString(System.nanoTime());
        try (FakeGemini provider = new FakeGemini()) {
            new Scenario(GeminiAdapter.ID, GeminiAdapter.PACKAGE,
                    Map.of("GEMINI_API_KEY", key, "GOOGLE_GEMINI_BASE_URL", provider.baseUrl()), "RUN_SHELL: ",
                    () -> provider.requests().stream().map(FakeGemini::textOf).toList(), false)
                    .run(dir, home);
            assertThat(provider.apiKeys()).containsOnly(key);
        }
    }

    /**
     * @param providerEnv the provider's key and base URL, set in the CLI's environment only
     * @param shellPrompt the fake provider's prompt for a shell command, followed by the command
     * @param requests    the provider's requests so far, as text
     * @param toolOutputInResult true when the agent reports a shell command's output in its tool result
     */
    private record Scenario(String agent, NpmPackage pkg, Map<String, String> providerEnv, String shellPrompt,
                            Supplier<List<String>> requests, boolean toolOutputInResult) {

        void run(Path dir, Path home) throws Exception {
            Path work = Files.createDirectories(dir.resolve("work"));
            // opencode fetches npm metadata at start; a closed loopback port keeps it offline (see
            // OpencodeSessionTest), and loopback is all a test may contact.
            Map<String, String> serverEnv = Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString(),
                    "npm_config_registry", "http://127.0.0.1:9/");
            try (TestServer server = TestServer.start(dir.resolve("data"), serverEnv)) {
                Cli cli = server.cli(home);
                for (Map.Entry<String, String> e : providerEnv.entrySet()) {
                    cli = cli.env(e.getKey(), e.getValue());
                }
                session(cli, work);
            }
        }

        private void session(Cli cli, Path work) throws Exception {
            String id = agent.substring(0, 1) + "-cli";
            assertThat(ok(cli.run("api", "agents", "list")).out()).containsPattern(
                    "(?m)^" + agent + " +.* +yes +" + Pattern.quote(pkg.defaultVersion()) + " ");
            assertThat(ok(cli.run("api", "sessions", "create", id, "--agent", agent, "--directory",
                    work.toString())).out()).isEqualTo("created session " + id + " (agent " + agent + ")\n");

            // 1. A turn followed to its end: deltas, then the whole reply, then the turn's status.
            List<String> first = ok(cli.run("api", "sessions", "send-message", id, "--message",
                    "remember the word pelican", "--wait")).outLines();
            assertThat(first).anyMatch(l -> l.matches("#\\d+ item\\.delta .*"));
            assertThat(first).anyMatch(l -> l.matches(
                    "#\\d+ item\\.completed +assistant: FAKE_REPLY: you said remember the word pelican"));
            assertThat(first.get(first.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");

            // 2. A second turn: the provider's request carries the first one.
            List<String> second = ok(cli.run("api", "sessions", "send-message", id, "--message",
                    "which word did I ask you to remember", "--wait")).outLines();
            assertThat(second.get(second.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");
            assertThat(requests.get().get(requests.get().size() - 1))
                    .contains("remember the word pelican", "which word did I ask you to remember");

            // 3. A shell command allowed once, answered by one CLI command while another follows the turn.
            CompletableFuture<Result> allowed = CompletableFuture.supplyAsync(() -> cli.run("api", "sessions",
                    "send-message", id, "--message", shellPrompt + "echo approved > approved.txt; cat approved.txt",
                    "--wait"));
            String allowedId = permissionAsked(cli, id, 1, "echo approved");
            assertThat(ok(cli.run("api", "sessions", "reply-permission", id, allowedId, "--reply", "once")).out())
                    .isEqualTo("replied once to permission " + allowedId + "\n");
            List<String> allowedTurn = ok(allowed.get(WAIT.toSeconds(), TimeUnit.SECONDS)).outLines();
            assertThat(allowedTurn).anyMatch(l -> l.matches("#\\d+ permission\\.resolved +" + allowedId + " accept"));
            // gemini's completed tool call carries no content (its tool_call_update has "content":[]): the output
            // shows only in the model's reply, which quotes what the tool returned to it
            String toolResult = "#\\d+ item\\.completed +tool_result tool: \\(call \\S+\\)"
                    + (toolOutputInResult ? " approved" : "");
            assertThat(allowedTurn).anyMatch(l -> l.matches(toolResult));
            assertThat(String.join("\n", allowedTurn))
                    .containsPattern("item\\.completed +assistant: FAKE_DONE: tool said: (?s).*approved");
            assertThat(allowedTurn.get(allowedTurn.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");
            assertThat(work.resolve("approved.txt")).hasContent("approved");

            // 4. Another, rejected: it does not run, and the turn ends.
            CompletableFuture<Result> rejected = CompletableFuture.supplyAsync(() -> cli.run("api", "sessions",
                    "send-message", id, "--message", shellPrompt + "echo nope > declined.txt", "--wait"));
            String rejectedId = permissionAsked(cli, id, 2, "echo nope");
            assertThat(ok(cli.run("api", "sessions", "reply-permission", id, rejectedId, "--reply", "reject")).out())
                    .isEqualTo("replied reject to permission " + rejectedId + "\n");
            Result rejectedTurn = rejected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(rejectedTurn.outLines()).as(rejectedTurn.toString())
                    .anyMatch(l -> l.matches("#\\d+ permission\\.resolved +" + rejectedId + " reject"))
                    .last().asString().matches("#\\d+ turn\\.ended +turn_\\S+ \\S+");
            assertThat(work.resolve("declined.txt")).doesNotExist();

            // 5. The whole session, listed.
            String events = ok(cli.run("api", "sessions", "events", id)).out();
            assertThat(events).containsPattern("(?m)^#1 session\\.started +agent=" + agent + " ");
            assertThat(events.lines().filter(l -> l.matches("#\\d+ turn\\.ended .*"))).hasSize(4);
            assertThat(events.lines().filter(l -> l.matches("#\\d+ permission\\.resolved .*"))
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1))).containsExactly("accept", "reject");
            assertThat(events).containsPattern("item\\.completed +user: remember the word pelican")
                    .containsPattern("item\\.completed +assistant: FAKE_REPLY: you said remember the word pelican");
            assertThat(events).doesNotContain(providerEnv.values().stream()
                    .filter(v -> !v.startsWith("http")).findFirst().orElseThrow());
            List<String> page = ok(cli.run("api", "sessions", "events", id, "--offset", "1", "--limit", "2"))
                    .outLines();
            assertThat(page).hasSize(2);
            assertThat(page.get(0)).startsWith("#2 ");
        }

        /** Waits for the n-th permission request in the events listing, checks its line, and returns its id. */
        private static String permissionAsked(Cli cli, String id, int nth, String action) {
            Pattern line = Pattern.compile("#\\d+ permission\\.requested +(\\S+) .*" + Pattern.quote(action)
                    + ".*reply-permission " + Pattern.quote(id) + " (\\S+) --reply once\\|always\\|reject");
            String out = Eventually.await(() -> cli.run("api", "sessions", "events", id).out(),
                    text -> text.lines().filter(l -> l.contains(" permission.requested ")).count() >= nth, WAIT,
                    "permission request " + nth);
            String asked = out.lines().filter(l -> l.contains(" permission.requested ")).skip(nth - 1).findFirst()
                    .orElseThrow();
            Matcher m = line.matcher(asked);
            assertThat(m.find()).as(asked).isTrue();
            assertThat(m.group(2)).isEqualTo(m.group(1));
            return m.group(1);
        }

        private static Result ok(Result result) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            return result;
        }
    }
}
