package dev.sandboxagent.agents;

import dev.sandboxagent.agents.acp.GeminiAdapter;
import dev.sandboxagent.agents.acp.OpencodeAdapter;
import dev.sandboxagent.agents.claude.ClaudeAdapter;
import dev.sandboxagent.agents.codex.CodexAdapter;
import dev.sandboxagent.agents.mock.MockAdapter;
import dev.sandboxagent.agents.pi.PiAdapter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The agents this build knows, by id. */
public final class AgentCatalog {
    private final Map<String, AgentAdapter> adapters;

    private AgentCatalog(Map<String, AgentAdapter> adapters) {
        this.adapters = Map.copyOf(adapters);
    }

    /** The mock agent only: for tests that need no real agent. */
    public static AgentCatalog builtIn() {
        return of(List.of(new MockAdapter()));
    }

    /**
     * Every agent this build has an adapter for. Keyed by their ids as constants rather than through
     * {@link AgentAdapter#descriptor()}: a descriptor looks for the installed CLI on disk (and reads its package
     * metadata), which the server's start does not need and should not wait for.
     */
    public static AgentCatalog builtIn(AgentContext context) {
        Map<String, AgentAdapter> byId = new TreeMap<>();
        byId.put("mock", new MockAdapter());
        byId.put(ClaudeAdapter.ID, new ClaudeAdapter(context));
        byId.put(CodexAdapter.ID, new CodexAdapter(context));
        byId.put(OpencodeAdapter.ID, new OpencodeAdapter(context));
        byId.put(GeminiAdapter.ID, new GeminiAdapter(context));
        byId.put(PiAdapter.ID, new PiAdapter(context));
        return new AgentCatalog(byId);
    }

    /**
     * The environment variable that names the executable to run for each agent that has one, by agent id, in the
     * order docs/operations.md lists them: the server's configuration reads and checks them (AgentContext does not).
     */
    public static Map<String, String> executableVariables() {
        Map<String, String> byId = new LinkedHashMap<>();
        byId.put(ClaudeAdapter.ID, ClaudeAdapter.EXECUTABLE_VARIABLE);
        byId.put(CodexAdapter.ID, CodexAdapter.EXECUTABLE_VARIABLE);
        byId.put(OpencodeAdapter.ID, OpencodeAdapter.EXECUTABLE_VARIABLE);
        byId.put(GeminiAdapter.ID, GeminiAdapter.EXECUTABLE_VARIABLE);
        byId.put(PiAdapter.ID, PiAdapter.EXECUTABLE_VARIABLE);
        return Collections.unmodifiableMap(byId);
    }

    public static AgentCatalog of(List<AgentAdapter> adapters) {
        Map<String, AgentAdapter> byId = new TreeMap<>();
        adapters.forEach(a -> byId.put(a.descriptor().id(), a));
        return new AgentCatalog(byId);
    }

    public Optional<AgentAdapter> find(String id) {
        return Optional.ofNullable(adapters.get(id));
    }

    /** Sorted ids. */
    public List<String> ids() {
        return adapters.keySet().stream().sorted().toList();
    }
}
