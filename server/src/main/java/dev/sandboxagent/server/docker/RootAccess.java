package dev.sandboxagent.server.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the server runs what only root may (dockerd, and removing what a previous dockerd left in /var/run): directly
 * when it is root, through passwordless {@code sudo -n} when it is not (a sandbox template's non-root {@code agent}
 * user is given sudo), or not at all, with the reason reported as the engine's {@code absent} detail.
 *
 * @param uid               the server's user id
 * @param gid               its primary group: a dockerd started through sudo gives its socket to this group, so the
 *                          server and its agents (the same user) can use the engine
 * @param sudo              the sudo command when it is needed and allowed, else null
 * @param unavailableReason why root is out of reach, or null when it is not
 */
record RootAccess(long uid, long gid, Path sudo, String unavailableReason) {
    private static final List<Path> SUDO = List.of(Path.of("/usr/bin/sudo"), Path.of("/bin/sudo"),
            Path.of("/usr/local/bin/sudo"));

    /** For this process. */
    static RootAccess detect() {
        try {
            long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
            long gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
            return detect(uid, gid, SUDO.stream().filter(Files::isExecutable).findFirst().orElse(null));
        } catch (IOException | UnsupportedOperationException e) {
            return new RootAccess(-1, -1, null, "cannot tell which user the server runs as: " + e.getMessage());
        }
    }

    /** {@code sudo}: the sudo binary, or null where there is none. */
    static RootAccess detect(long uid, long gid, Path sudo) {
        if (uid == 0) {
            return new RootAccess(uid, gid, null, null);
        }
        String who = "the server runs as uid " + uid + ", not root,";
        if (sudo == null) {
            return new RootAccess(uid, gid, null, who + " and sudo is not installed");
        }
        // -n: never prompt. A sudo that needs a password fails at once instead of hanging the start.
        String failure = run(List.of(sudo.toString(), "-n", "true"));
        if (failure != null) {
            return new RootAccess(uid, gid, null, who + " and passwordless sudo is not allowed (" + failure + ")");
        }
        return new RootAccess(uid, gid, sudo, null);
    }

    boolean available() {
        return unavailableReason == null;
    }

    boolean viaSudo() {
        return sudo != null;
    }

    /** The command as root: itself when we are root, else behind {@code sudo -n}. */
    List<String> asRoot(List<String> command) {
        if (sudo == null) {
            return command;
        }
        List<String> full = new ArrayList<>(List.of(sudo.toString(), "-n", "--"));
        full.addAll(command);
        return full;
    }

    /** Deletes a file that may belong to root (a pidfile a killed dockerd left in /var/run). */
    void delete(Path file) throws IOException {
        try {
            Files.deleteIfExists(file);
        } catch (AccessDeniedException e) {
            if (sudo == null) {
                throw e;
            }
            String failure = run(asRoot(List.of("rm", "-f", "--", file.toString())));
            if (failure != null) {
                throw new IOException("could not remove " + file + " with sudo: " + failure, e);
            }
        }
    }

    /** Runs a short command; null when it succeeded, else what went wrong. */
    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish within 10 s";
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 ? null
                    : String.join(" ", command) + " exited with " + p.exitValue()
                            + (output.isEmpty() ? "" : ": " + output.lines().findFirst().orElse(""));
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
