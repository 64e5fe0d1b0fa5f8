package dev.sandboxagent.agents;

import java.util.List;

/**
 * How an agent process ended.
 *
 * @param exitCode    the process exit code: 128 + the signal number when a signal ended it (as shells report
 *                    it, e.g. 137 after SIGKILL), negative if it is unknown
 * @param requested   true when the server asked it to stop (terminate), false when it ended on its own
 * @param stderrHead  first lines of its stderr (at most a few dozen)
 * @param stderrTail  last lines of its stderr when there were more than fit in the head, else empty
 * @param stderrLines total number of stderr lines
 */
public record AgentExit(int exitCode, boolean requested, List<String> stderrHead, List<String> stderrTail,
                        long stderrLines) {
    public AgentExit {
        stderrHead = List.copyOf(stderrHead);
        stderrTail = List.copyOf(stderrTail);
    }

    public boolean truncated() {
        return !stderrTail.isEmpty();
    }
}
