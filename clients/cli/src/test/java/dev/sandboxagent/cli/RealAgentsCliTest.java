package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
import dev.sandboxagent.agents.testing.FakeOpenAI;
import dev.sandboxagent.agents.testing.RealAgents;
import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Claude Code and Codex through the CLI, the way {@code docker sandbox exec -e ANTHROPIC_API_KEY=...} drives it: the
 * key and the endpoint are in the CLI's environment only, and the CLI forwards them.
 */
class RealAgentsCliTest {
    private static final String KEY = "sk-ant-cli-" + Long.toHexString(System.nanoTime());
    private static final String OPENAI_KEY = "sk-openai-cli-" + Long.toHexString(System.nanoTime());
    private static FakeAnthropic provider;
    private static FakeOpenAI openai;

    @TempDir
    Path dataDir;
    @TempDir
    Path home;

    @BeforeAll
    static void setUp() throws IOException {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        RealAgents.require(CodexAdapter.ID, CodexAdapter.PACKAGE);
        provider = new FakeAnthropic();
        openai = new FakeOpenAI();
    }

    @AfterAll
    static void tearDown() {
        if (provider != null) {
            provider.close();
        }
        if (openai != null) {
            openai.close();
        }
    }

    @Test
    void createAndTwoTurnsWithCredentialsFromTheCliEnvironment() throws IOException {
        Path work = Files.createDirectories(dataDir.resolve("work"));
        try (TestServer server = TestServer.start(dataDir.resolve("data"),
                Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()))) {
            Cli cli = server.cli(home).env("ANTHROPIC_API_KEY", KEY).env("ANTHROPIC_BASE_URL", provider.baseUrl());
            Result agents = ok(cli.run("api", "agents", "list"));
            assertThat(agents.out()).containsPattern("claude +Claude Code +yes +"
                    + ClaudeAdapter.PACKAGE.defaultVersion().replace(".", "\\.") + " +no");

            ok(cli.run("api", "sessions", "create", "cc", "--agent", "claude", "--directory", work.toString()));
            Result first = ok(cli.run("api", "sessions", "send-message", "cc", "--message", "hello from the cli",
                    "--wait"));
            List<String> lines = first.outLines();
            assertThat(lines).anyMatch(l -> l.matches("#\\d+ item\\.delta .*"));
            assertThat(lines).anyMatch(l -> l.matches(
                    "#\\d+ item\\.completed +assistant: FAKE_REPLY: you said hello from the cli"));
            assertThat(lines.get(lines.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");

            Result second = ok(cli.run("api", "sessions", "send-message", "cc", "--message", "what did I say",
                    "--wait"));
            assertThat(second.out()).contains("FAKE_REPLY: you said what did I say");
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("hello from the cli", "what did I say");
            assertThat(provider.apiKeys()).containsOnly(KEY);
        }
    }

    @Test
    void codexCreateAndTwoTurnsWithCredentialsFromTheCliEnvironment() throws IOException {
        Path work = Files.createDirectories(dataDir.resolve("work"));
        try (TestServer server = TestServer.start(dataDir.resolve("data"),
                Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()))) {
            Cli cli = server.cli(home).env("OPENAI_API_KEY", OPENAI_KEY).env("OPENAI_BASE_URL", openai.baseUrl());
            ok(cli.run("api", "sessions", "create", "cx", "--agent", "codex", "--directory", work.toString()));
            Result first = ok(cli.run("api", "sessions", "send-message", "cx", "--message", "hello codex cli",
                    "--wait"));
            assertThat(first.outLines()).anyMatch(l -> l.matches("#\\d+ item\\.delta .*"));
            assertThat(first.out()).contains("assistant: FAKE_REPLY: you said hello codex cli");
            assertThat(first.outLines().get(first.outLines().size() - 1))
                    .matches("#\\d+ turn\\.ended +turn_\\S+ completed");
            Result second = ok(cli.run("api", "sessions", "send-message", "cx", "--message", "again", "--wait"));
            assertThat(second.out()).contains("FAKE_REPLY: you said again");
            assertThat(FakeOpenAI.textOf(openai.lastRequest())).contains("hello codex cli", "again");
            assertThat(openai.authorizations()).containsOnly("Bearer " + OPENAI_KEY);
        }
    }

    @Test
    void installAgentIsIdempotentAndSaysSoWhenTheRegistryCannotBeReached() throws IOException {
        Cli cli = Cli.withHome(home);
        Result again = ok(cli.run("install-agent", "claude", "--agents-dir", RealAgents.agentsDir().toString()));
        assertThat(again.out()).startsWith("claude " + ClaudeAdapter.PACKAGE.defaultVersion() + " already installed at ");

        // Port 9 on loopback: nothing listens, so npm's connection is refused at once.
        Result offline = cli.env("npm_config_registry", "http://127.0.0.1:9/")
                .env("npm_config_fetch_retries", "0")
                .env("npm_config_cache", home.resolve("npm-cache").toString())
                .run("install-agent", "claude", "--agents-dir", dataDir.resolve("agents").toString());
        assertThat(offline.exitCode()).as(offline.toString()).isEqualTo(1);
        assertThat(offline.err()).contains("the npm registry cannot be reached");
        assertThat(dataDir.resolve("agents").resolve("claude")).doesNotExist();

        Result unknown = cli.run("install-agent", "nonesuch");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown agent 'nonesuch'", "claude");
    }

    private static Result ok(Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }
}
