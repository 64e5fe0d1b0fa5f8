package dev.sandboxagent.cli.agents;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code api agents install AGENT}: has the server install an agent (POST /v1/agents/{agent}/install). */
@Command(name = "install", description = {"Have the server install an agent's CLI from npm into its agents "
        + "directory. Waits until it is installed; does nothing when that version is there already."})
public final class InstallAgentApiCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "AGENT", description = "The agent, e.g. claude or codex.")
    String agent;

    @Option(names = "--agent-version", paramLabel = "VERSION",
            description = "The npm version (default: the version this server is tested with).")
    String version;

    @Option(names = "--reinstall", description = "Install even when that version is there already.")
    boolean reinstall;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        connection.client().installAgent(agent, version, reinstall);
        if (connection.json()) {
            connection.printJson(Map.of("agent", agent, "installed", true));
        } else {
            connection.println(agent + " is installed");
        }
        return 0;
    }
}
