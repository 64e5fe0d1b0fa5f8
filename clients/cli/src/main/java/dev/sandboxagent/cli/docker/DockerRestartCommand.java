package dev.sandboxagent.cli.docker;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.DockerStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code docker restart}. */
@Command(name = "restart", description = "Restart the dockerd the server runs (TERM, KILL after a grace period).")
public final class DockerRestartCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        DockerStatus status = connection.client().restartDocker();
        if (connection.json()) {
            connection.printJson(status);
        } else {
            connection.println("docker: restarting (was pid " + status.pid() + "); see: sandbox-agent docker status");
        }
        return 0;
    }
}
