package dev.sandboxagent.server.warm;

/**
 * A snapshot of one warm process, as the API shows it.
 *
 * @param pid the running process's id, or null when none runs
 * @param since when the process entered {@code state} (epoch milliseconds)
 * @param restarts how many times it was started again after the first start (crashes and requested restarts)
 * @param lastError why it last failed (exit status, probe failure), or null
 */
public record ProcessStatus(String name, ProcessState state, Long pid, long since, int restarts, String lastError) {
}
