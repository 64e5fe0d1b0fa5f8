package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.sandboxagent.cli.support.Cli;
import dev.sandboxagent.cli.support.Cli.Result;
import dev.sandboxagent.cli.support.Ports;
import dev.sandboxagent.cli.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure is one clear line on stderr and an exit code: 1 when the server said no, 2 for usage. */
class ErrorPathsTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path home;
    TestServer server;
    Cli cli;

    @BeforeEach
    void start() {
        server = TestServer.start(dataDir);
        cli = server.cli(home);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anUnknownSessionIsTheServersDetailAndExitOne() {
        assertFailure(cli.run("api", "sessions", "get", "nope"), 1, "error: no session 'nope' (404)");
        assertFailure(cli.run("api", "sessions", "events", "nope", "--follow"), 1, "error: no session 'nope' (404)");
        assertFailure(cli.run("api", "sessions", "send-message", "nope", "-m", "hi", "--wait"), 1,
                "error: no session 'nope' (404)");
    }

    @Test
    void refusalsCarryTheServersExplanation() {
        assertThat(cli.run("api", "sessions", "create", "dup", "--agent", "mock").exitCode()).isZero();
        assertFailure(cli.run("api", "sessions", "create", "dup", "--agent", "mock"), 1,
                "error: a session 'dup' already exists (409)");
        assertFailure(cli.run("api", "sessions", "create", "x", "--agent", "nosuchagent"), 1, null);
        assertThat(cli.run("api", "sessions", "create", "x", "--agent", "nosuchagent").err())
                .startsWith("error: no agent 'nosuchagent'; known agents: ").contains("mock").endsWith("(400)\n");
        assertFailure(cli.run("api", "sessions", "interrupt", "dup"), 1,
                "error: session 'dup' has no running turn to interrupt (409)");
        assertFailure(cli.run("api", "sessions", "create", "bad/id", "--agent", "mock"), 1, null);
    }

    @Test
    void usageMistakesExitTwoWithOneLine() {
        assertFailure(cli.run("api", "sessions", "create", "s"), 2,
                "error: Missing required option: '--agent=AGENT' (see 'sandbox-agent api sessions create --help')");
        assertFailure(cli.run("api", "sessions", "list", "--bogus"), 2,
                "error: Unknown option: '--bogus' (see 'sandbox-agent api sessions list --help')");
        assertFailure(cli.run("api", "sessions", "reply-permission", "s", "p", "--reply", "maybe"), 2, null);
        assertFailure(cli.run("api", "sessions", "reply-question", "s", "q", "--answer", "a", "--reject"), 2, null);
        assertFailure(cli.run("api", "sessions", "events", "s", "--limit", "5", "--follow"), 2,
                "error: --limit and --follow cannot be combined (see 'sandbox-agent api sessions events --help')");
        assertFailure(cli.run("api", "sessions"), 2, null);
        assertFailure(cli.run("api", "sessions", "list", "--url", "not a url"), 2, null);
    }

    @Test
    void aWrongTokenIsA401NamingWhereTheTokenCameFrom() {
        Result wrong = Cli.withHome(home).run("api", "sessions", "list", "--url", server.url(), "--token", "wrong");
        assertFailure(wrong, 1, "error: the bearer token is wrong (401); the token came from --token");

        Result none = Cli.withHome(home).run("api", "sessions", "list", "--url", server.url());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).startsWith("error: this server needs a bearer token")
                .contains("(401); no token was sent: pass --token, set $SANDBOX_AGENT_TOKEN, or let the server write "
                        + home.resolve(".sandbox-agent/token"));
    }

    @Test
    void theTokenIsFoundInTheEnvironmentOrTheDataDirectory() throws Exception {
        Cli bare = Cli.withHome(home).env("SANDBOX_AGENT_URL", server.url());
        assertThat(bare.env("SANDBOX_AGENT_TOKEN", TestServer.TOKEN).run("api", "sessions", "list").exitCode())
                .isZero();

        Path dir = home.resolve("custom-data");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("token"), TestServer.TOKEN + "\n");
        Result fromFile = bare.env("SANDBOX_AGENT_DATA_DIR", dir.toString()).run("api", "sessions", "list");
        assertThat(fromFile.exitCode()).as(fromFile.toString()).isZero();

        // the flag wins over the environment, which wins over the file
        Result flagWins = bare.env("SANDBOX_AGENT_TOKEN", TestServer.TOKEN)
                .run("api", "sessions", "list", "--token", "wrong");
        assertThat(flagWins.exitCode()).isEqualTo(1);
    }

    @Test
    void anUnreachableServerNamesTheUrlAndExitsOne() {
        String url = "http://127.0.0.1:" + Ports.free();
        Result result = Cli.withHome(home).run("api", "sessions", "list", "--url", url, "--no-autostart");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("error: no sandbox-agent server answers at " + url).endsWith("\n");
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aServerThatCannotStartSaysWhyWithoutAStackTrace() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Path other = Files.createDirectories(home.resolve("other-data"));
            int taken = Integer.parseInt(server.url().substring(server.url().lastIndexOf(':') + 1));
            Result inUse = Cli.withHome(home).run("server", "--no-token", "--port", Integer.toString(taken),
                    "--data-dir", other.toString());
            assertFailure(inUse, 1, null);
            assertThat(inUse.err()).startsWith("error: server did not start on 127.0.0.1:" + taken);

            assertFailure(Cli.withHome(home).run("server", "--port", "70000", "--no-token"), 2, null);
            assertFailure(Cli.withHome(home).env("SANDBOX_AGENT_PORT", "abc").run("server", "--no-token"), 2,
                    "error: SANDBOX_AGENT_PORT is not a port number: abc (see 'sandbox-agent server --help')");
        });
    }

    @Test
    void anAgentExecutableThatIsNotThereIsAUsageError() {
        Path missing = home.resolve("no-such-claude");
        // were the variable not checked, the server would start and serve: bounded, so that the test fails
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertFailure(Cli.withHome(home)
                        .env("SANDBOX_AGENT_CLAUDE_PATH", missing.toString())
                        .run("server", "--no-token", "--port", "0"), 2, "error: SANDBOX_AGENT_CLAUDE_PATH names " + missing + ", which does not exist (see 'sandbox-agent "
                        + "server --help')"));
    }

    @Test
    void aCorsOriginThatIsNotAnOriginIsAUsageError() {
        Result flag = Cli.withHome(home).run("server", "--no-token", "--port", "0", "--cors-origin",
                "http://localhost:3000", "--cors-origin", "https://app.example/path");
        assertFailure(flag, 2, null);
        assertThat(flag.err()).contains("--cors-origin must be an origin").contains("https://app.example/path");
        Result env = Cli.withHome(home).env("SANDBOX_AGENT_CORS_ORIGINS", "https://ok.example,*")
                .run("server", "--no-token", "--port", "0");
        assertFailure(env, 2, null);
        assertThat(env.err()).contains("SANDBOX_AGENT_CORS_ORIGINS must be an origin");
    }

    private static void assertFailure(Result result, int exitCode, String errLine) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exitCode);
        assertThat(result.out()).as(result.toString()).isEmpty();
        assertThat(result.err().lines()).as(result.toString()).hasSize(1);
        assertThat(result.err()).as(result.toString()).startsWith("error: ").doesNotContain("\tat ");
        if (errLine != null) {
            assertThat(result.err()).isEqualTo(errLine + "\n");
        }
    }
}
