package dev.sandboxagent.server.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** What a test needs of the machine (root, a command): skipped with the reason when absent, failed under CI=true. */
public final class Privileges {
    private Privileges() {
    }

    /** Skips (fails when CI=true) unless {@code condition}, saying {@code why} it cannot run. */
    public static void require(boolean condition, String why) {
        if (condition) {
            return;
        }
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(why + " (CI=true runs as root on a machine where this must work)");
        }
        Assumptions.assumeTrue(false, why + "; skipping");
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public static boolean executable(String path) {
        return Files.isExecutable(Path.of(path));
    }

    /** Runs a command to its end: its exit code and output (stdout and stderr together). */
    public record Result(int exitCode, String output) {
    }

    public static Result run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), output.strip());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
