package dev.sandboxagent.client;

import java.util.List;

/** The envelopes the server wraps lists in; unwrapped before callers see them. */
final class Wire {
    private Wire() {
    }

    record AgentList(List<AgentInfo> agents) {
    }

    record SessionList(List<SessionInfo> sessions) {
    }

    record ProcessList(List<ProcessStatus> processes) {
    }

    record LogLines(String name, List<String> lines) {
    }
}
