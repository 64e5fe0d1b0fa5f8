package dev.sandboxagent.server.sessions;

import dev.sandboxagent.agents.AdvertisedOptions;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per agent, the modes and models it advertised the last time one of its sessions started (ACP agents say so in
 * their {@code session/new} and {@code session/load} answers). {@code GET /v1/agents/{agent}/modes|models}
 * answers from here when it knows, and a create's {@code agentMode} may name any of them.
 *
 * <p>In memory only, so a restarted server knows nothing until a session of the agent starts again (a resume
 * counts): what an agent offers belongs to its installed version and configuration, either of which may change
 * while the server is down (an upgrade, a provider key that unlocks other models), and the next start tells anew
 * at no cost, whereas a stored list could only go stale. Forgotten when the agent is (re)installed.
 */
public final class AgentAdvertisements {
    private final ConcurrentHashMap<String, AdvertisedOptions> latest = new ConcurrentHashMap<>();

    /** What {@code agent} advertised last, if one of its sessions started since this server did. */
    public Optional<AdvertisedOptions> latest(String agent) {
        return Optional.ofNullable(latest.get(agent));
    }

    /** After an install: the new version may offer something else. */
    public void forget(String agent) {
        latest.remove(agent);
    }

    void remember(String agent, AdvertisedOptions options) {
        latest.put(agent, options);
    }
}
