package dev.sandboxagent.server.agents;

import dev.sandboxagent.agents.AgentAdapter;
import dev.sandboxagent.agents.install.AgentInstaller;
import dev.sandboxagent.agents.install.InstallException;
import dev.sandboxagent.agents.install.NpmPackage;
import dev.sandboxagent.server.events.ServerEvents;
import dev.sandboxagent.server.http.ApiException;
import dev.sandboxagent.server.sessions.MissingAgents;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;

/**
 * Installs the agent a session create asks for when it is missing: the same pinned npm install as
 * {@code POST /v1/agents/{agent}/install}, with its progress published as server events
 * ({@code agent.install.started}, {@code .progress} per npm line, {@code .finished} or {@code .failed}) so a client
 * watching {@code GET /v1/events/sse} sees what the held create is waiting for. Concurrent creates for the same
 * missing agent share one install: the first starts it, the others wait for its outcome.
 */
public final class AgentInstalls implements MissingAgents {
    static final String STARTED = "agent.install.started";
    static final String PROGRESS = "agent.install.progress";
    static final String FINISHED = "agent.install.finished";
    static final String FAILED = "agent.install.failed";

    private final AgentInstaller installer;
    private final ServerEvents events;
    /** The install running now, per agent; removed when it is over, so a later create tries again. */
    private final ConcurrentHashMap<String, CompletableFuture<Void>> running = new ConcurrentHashMap<>();

    public AgentInstalls(AgentInstaller installer, ServerEvents events) {
        this.installer = installer;
        this.events = events;
    }

    AgentInstaller installer() {
        return installer;
    }

    @Override
    public void ensureInstalled(String agent, AgentAdapter adapter) {
        NpmPackage pkg = adapter.npmPackage().orElse(null);
        if (pkg == null) {
            return; // built in
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> theirs = running.putIfAbsent(agent, mine);
        if (theirs != null) {
            try {
                theirs.join();
                return;
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        try {
            install(agent, pkg);
            mine.complete(null);
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(agent, mine);
        }
    }

    private void install(String agent, NpmPackage pkg) {
        events.publish(STARTED, Map.of("agent", agent, "package", pkg.name(), "version", pkg.defaultVersion()));
        try {
            AgentInstaller.Result result = installer.install(agent, pkg, null, false,
                    line -> events.publish(PROGRESS, Map.of("agent", agent, "line", line)));
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("agent", agent);
            done.put("version", result.installation().version());
            done.put("path", result.installation().executable().toString());
            events.publish(FINISHED, done);
        } catch (InstallException e) {
            ApiException problem = problem(e);
            events.publish(FAILED, Map.of("agent", agent,
                    "reason", e.reason().name().toLowerCase(java.util.Locale.ROOT), "status", problem.status(),
                    "message", e.getMessage()));
            throw problem;
        }
    }

    /** An install's failure as its problem: the same for the install route and an install on create. */
    static ApiException problem(InstallException e) {
        return switch (e.reason()) {
            case NO_SUCH_VERSION -> ApiException.of(400, "no_such_version", "No such version", e.getMessage());
            case REGISTRY_UNREACHABLE -> ApiException.of(502, "registry_unreachable", "npm registry unreachable",
                    e.getMessage());
            case TIMED_OUT -> ApiException.of(504, "install_timed_out", "Install timed out", e.getMessage());
            case NPM_MISSING, FAILED -> ApiException.of(502, "install_failed", "Install failed", e.getMessage());
        };
    }
}
