package dev.sandboxagent.cli.api;

import dev.sandboxagent.cli.agents.AgentsCommand;
import dev.sandboxagent.cli.sessions.SessionsCommand;
import picocli.CommandLine.Command;

/**
 * {@code sandbox-agent api}: talk to a running server over HTTP. Nothing under here may touch the server module:
 * these commands run in short-lived JVMs (one per {@code docker sandbox exec}) and must start fast.
 */
@Command(name = "api",
        description = {"Talk to a sandbox-agent server over its HTTP API.",
                "The server is found at --url, else $SANDBOX_AGENT_URL, else http://127.0.0.1:2468; a loopback server "
                        + "that is not running is started in the background (see --no-autostart)."},
        subcommands = {SessionsCommand.class, AgentsCommand.class})
public final class ApiCommand {
}
