package dev.sandboxagent.cli.api;

import dev.sandboxagent.client.Credentials;
import java.util.Map;

import dev.sandboxagent.cli.autostart.Autostart;
import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.client.SandboxAgentClient;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every api command shares (a picocli mixin), and the one place that turns them into a connected
 * {@link Connection}: resolve the URL, autostart a loopback server if none answers, then resolve the token (after
 * the autostart, because a server that just started may have just written the token file).
 */
public final class ApiOptions {
    /** The mixin's name in each command's spec, used to find it again (see {@link #of}). */
    public static final String MIXIN_NAME = "api";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--url", paramLabel = "URL",
            description = "Server address (default: $SANDBOX_AGENT_URL, else http://127.0.0.1:2468).")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Bearer token (default: $SANDBOX_AGENT_TOKEN, else the token file in the data directory: "
                    + "$SANDBOX_AGENT_DATA_DIR/token, else ~/.sandbox-agent/token).")
    String token;

    @Option(names = "--json", description = "Print the server's JSON instead of text (events: one per line).")
    boolean json;

    @Option(names = "--no-autostart",
            description = "Do not start a server in the background when none answers on a loopback URL.")
    boolean noAutostart;

    private TokenSource tokenSource;

    /** The ApiOptions of a command, or null for commands without them. */
    public static ApiOptions of(CommandSpec spec) {
        CommandSpec mixin = spec.mixins().get(MIXIN_NAME);
        return mixin != null && mixin.userObject() instanceof ApiOptions options ? options : null;
    }

    public Connection connect() {
        CliEnvironment environment = CliEnvironment.of(command);
        URI base = serverUrl(environment);
        if (!noAutostart && Autostart.applies(base)) {
            Autostart.forThisJvm(base, environment, token, command.commandLine().getErr()).ensureRunning();
        }
        tokenSource = TokenSource.resolve(token, environment);
        SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(base).token(tokenSource.token()).build();
        return new Connection(client, json, command.commandLine().getOut(), command.commandLine().getErr());
    }

    /**
     * The provider credentials in the CLI's own environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, base URLs, ...),
     * forwarded with create and send-message the way {@code docker sandbox exec -e KEY=...} hands them over. The
     * server keeps them in memory only.
     */
    public Map<String, String> credentials() {
        return Credentials.fromEnvironment(CliEnvironment.of(command).variables());
    }

    /** Where the token of the last {@link #connect()} came from, for error hints. */
    public String tokenSource() {
        return tokenSource == null ? "no token resolved" : tokenSource.origin();
    }

    private URI serverUrl(CliEnvironment environment) {
        String text = url != null ? url : environment.get(CliEnvironment.URL);
        if (text == null) {
            return SandboxAgentClient.DEFAULT_URL;
        }
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null) {
            String source = url != null ? "--url" : "$" + CliEnvironment.URL;
            throw new CliException(source + " is not a server URL: '" + text + "' (expected http://HOST[:PORT])",
                    ExitCodes.USAGE);
        }
        return uri;
    }
}
