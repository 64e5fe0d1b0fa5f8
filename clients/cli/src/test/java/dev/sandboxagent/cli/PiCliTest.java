package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.pi.PiAdapter;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pi through the CLI, its key and endpoint in the CLI's environment only (the CLI forwards them): the
 * agent listed with its models, two turns (the second request carries the first) and a bash command that writes a
 * file in the session directory.
 */
class PiCliTest {
    private static final String KEY = "sk-ant-pi-cli-" + Long.toHexString(System.nanoTime());

    @TempDir
    Path dataDir;
    @TempDir
    Path home;

    @Test
    void createTwoTurnsAndABashCommandWithCredentialsFromTheCliEnvironment() throws IOException {
        RealAgents.require(PiAdapter.ID, PiAdapter.PACKAGE);
        Path work = Files.createDirectories(dataDir.resolve("work"));
        try (FakeAnthropic provider = new FakeAnthropic();
             TestServer server = TestServer.start(dataDir.resolve("data"),
                     Map.of("SANDBOX_AGENT_AGENTS_DIR", RealAgents.agentsDir().toString()))) {
            Cli cli = server.cli(home).env("ANTHROPIC_API_KEY", KEY).env("ANTHROPIC_BASE_URL", provider.baseUrl());
            assertThat(ok(cli.run("api", "agents", "list")).out()).containsPattern("pi +pi +yes +"
                    + PiAdapter.PACKAGE.defaultVersion().replace(".", "\\."));
            assertThat(ok(cli.run("api", "agents", "models", "pi")).outLines())
                    .contains(PiAdapter.DEFAULT_MODEL + "  yes");

            ok(cli.run("api", "sessions", "create", "p", "--agent", "pi", "--directory", work.toString()));
            Result first = ok(cli.run("api", "sessions", "send-message", "p", "--message", "hello pi cli", "--wait"));
            List<String> lines = first.outLines();
            assertThat(lines).anyMatch(l -> l.matches("#\\d+ item\\.delta .*"));
            assertThat(lines).anyMatch(l -> l.matches(
                    "#\\d+ item\\.completed +assistant: FAKE_REPLY: you said hello pi cli"));
            assertThat(lines.get(lines.size() - 1)).matches("#\\d+ turn\\.ended +turn_\\S+ completed");

            Result tool = ok(cli.run("api", "sessions", "send-message", "p", "--message",
                    "RUN_BASH: echo from-cli > cli.txt; cat cli.txt", "--wait"));
            assertThat(tool.out()).contains("FAKE_DONE: tool said: from-cli");
            assertThat(work.resolve("cli.txt")).hasContent("from-cli");

            Result third = ok(cli.run("api", "sessions", "send-message", "p", "--message", "what did I say",
                    "--wait"));
            assertThat(third.out()).contains("FAKE_REPLY: you said what did I say");
            String seen = FakeAnthropic.textOf(provider.requests().get(provider.requests().size() - 1));
            assertThat(seen).contains("hello pi cli", "what did I say");
            assertThat(provider.apiKeys()).containsOnly(KEY);
        }
    }

    private static Result ok(Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }
}
