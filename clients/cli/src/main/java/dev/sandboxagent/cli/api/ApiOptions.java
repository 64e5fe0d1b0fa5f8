package dev.sandboxagent.cli.api;

import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.autostart.Autostart;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.cli.common.CliEnvironment;
import dev.sandboxagent.cli.common.CliException;
import dev.sandboxagent.cli.common.ExitCodes;
import dev.sandboxagent.client.Credentials;
import dev.sandboxagent.client.SandboxAgentClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;

/**
 * The options every api command shares, and the one place that turns them into a connected {@link Connection}:
 * resolve the URL, autostart a loopback server if none answers, then resolve the token (after the autostart,
 * because a server that just started may have just written the token file).
 */
public final class ApiOptions {
    public static final Option URL = Option.value("--url", "URL",
            "Server address (default: $SANDBOX_AGENT_URL, else http://127.0.0.1:2468).");
    public static final Option TOKEN = Option.value("--token", "TOKEN",
            "Bearer token (default: $SANDBOX_AGENT_TOKEN, else the token file in the data directory: "
                    + "$SANDBOX_AGENT_DATA_DIR/token, else ~/.sandbox-agent/token).");
    public static final Option JSON = Option.flag("--json",
            "Print the server's JSON instead of text (events: one per line).");
    public static final Option NO_AUTOSTART = Option.flag("--no-autostart",
            "Do not start a server in the background when none answers on a loopback URL.");
    /** Every api command's options: add them to its spec. */
    public static final List<Option> ALL = List.of(URL, TOKEN, JSON, NO_AUTOSTART);

    private ApiOptions() {
    }

    /** Connects as the command's options and environment say; records where the token came from in the context. */
    public static Connection connect(ParsedArgs args, CliContext context) {
        CliEnvironment environment = context.environment();
        String url = args.string(URL);
        String token = args.string(TOKEN);
        URI base = serverUrl(url, environment);
        if (!args.flag(NO_AUTOSTART) && Autostart.applies(base)) {
            Autostart.forThisJvm(base, environment, token, context.err()).ensureRunning();
        }
        TokenSource tokenSource = TokenSource.resolve(token, environment);
        context.tokenOrigin(tokenSource.origin());
        SandboxAgentClient client = SandboxAgentClient.builder().baseUrl(base).token(tokenSource.token()).build();
        return new Connection(client, args.flag(JSON), context.out(), context.err());
    }

    /**
     * The provider credentials in the CLI's own environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, base URLs, ...),
     * forwarded with create and send-message the way {@code docker sandbox exec -e KEY=...} hands them over. The
     * server keeps them in memory only.
     */
    public static Map<String, String> credentials(CliContext context) {
        return Credentials.fromEnvironment(context.environment().variables());
    }

    private static URI serverUrl(String url, CliEnvironment environment) {
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
