package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.testing.FakeAnthropic;
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
 * The real Claude Code through the CLI, the way {@code docker sandbox exec -e ANTHROPIC_API_KEY=...} drives it: the
 * key and the endpoint are in the CLI's environment only, and the CLI forwards them.
 */
class ClaudeCliTest {
    private static final String KEY = "sk-ant-cli-" + Long.toHexString(System.nanoTime());
    private static FakeAnthropic provider;

    @TempDir
    Path dataDir;
    @TempDir
    Path home;

    @BeforeAll
    static void setUp() throws IOException {
        RealAgents.require(ClaudeAdapter.ID, ClaudeAdapter.PACKAGE);
        provider = new FakeAnthropic();
    }

    @AfterAll
    static void tearDown() {
        if (provider != null) {
            provider.close();
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
