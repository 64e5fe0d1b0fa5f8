package dev.sandboxagent.cli;

import dev.sandboxagent.cli.common.CliEnvironment;
import picocli.CommandLine;

/** The {@code sandbox-agent} entry point (the fat jar's Main-Class). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int exitCode = commandLine(CliEnvironment.system()).execute(args);
        releaseHttpSelectors();
        System.exit(exitCode);
    }

    /** The configured command tree; tests run commands through this with an environment of their own. */
    public static CommandLine commandLine(CliEnvironment environment) {
        ErrorReporter errors = new ErrorReporter();
        return new CommandLine(new SandboxAgentCommand(environment))
                .setExecutionExceptionHandler(errors)
                .setParameterExceptionHandler(errors);
    }

    /**
     * Lets the JDK HTTP client's selector threads leave native code before the JVM exits. On exit HotSpot waits up to
     * 300 ms for threads that are in native code, and an idle client's selector thread always is (in epoll_wait);
     * measured, that wait was a third of an api command's run time. JDK 17's HttpClient has no close(), so interrupt
     * the threads (which wakes the selector and ends its loop); the process is ending anyway.
     */
    private static void releaseHttpSelectors() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int count = root.enumerate(threads, true);
        for (int i = 0; i < count; i++) {
            Thread thread = threads[i];
            if (thread.getName().startsWith("HttpClient-") && thread.getName().endsWith("-SelectorManager")) {
                thread.interrupt();
                try {
                    thread.join(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
