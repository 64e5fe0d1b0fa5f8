package dev.sandboxagent.cli;

import dev.sandboxagent.cli.agents.AgentsCommand;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.sessions.SessionsCommand;

/**
 * {@code sandbox-agent api}: talk to a running server over HTTP. Nothing under here may touch the server module:
 * these commands run in short-lived JVMs (one per {@code docker sandbox exec}) and must start fast. In this package
 * (not with ApiOptions in cli.api) because it names the groups below it, whose commands use cli.api.
 */
final class ApiCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("api")
                .description("Talk to a sandbox-agent server over its HTTP API.",
                        "The server is found at --url, else $SANDBOX_AGENT_URL, else http://127.0.0.1:2468; a "
                                + "loopback server that is not running is started in the background (see "
                                + "--no-autostart).")
                .subcommands("sessions", "agents")
                .build();
    }

    @Override
    public CliCommand subcommand(String name) {
        return switch (name) {
            case "sessions" -> new SessionsCommand();
            case "agents" -> new AgentsCommand();
            default -> null;
        };
    }
}
