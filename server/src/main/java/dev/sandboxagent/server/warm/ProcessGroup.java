package dev.sandboxagent.server.warm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The processes one warm process started. It is launched through {@code setsid}, so it leads a process group of its
 * own and its children (dockerd's containerd) stay in that group even after the leader dies and they are reparented.
 * Signals go to the group's members by PID, so nothing outside what we started is ever touched.
 */
public final class ProcessGroup {
    private static final Path SETSID = findSetsid();

    private final long leader;
    private final boolean ownGroup;

    private ProcessGroup(long leader, boolean ownGroup) {
        this.leader = leader;
        this.ownGroup = ownGroup;
    }

    /** The command, prefixed so it starts in a new session and process group when the system allows it. */
    static List<String> launchCommand(List<String> command) {
        if (SETSID == null) {
            return command;
        }
        List<String> full = new ArrayList<>();
        full.add(SETSID.toString());
        full.addAll(command);
        return full;
    }

    /**
     * Our child is never a group leader, so setsid execs in place (no fork): the child's PID is the group id. Checked
     * rather than assumed; without a group of its own only the process and its live descendants are ours.
     */
    static ProcessGroup of(Process process) {
        long pid = process.pid();
        if (SETSID == null) {
            return new ProcessGroup(pid, false);
        }
        // start() returns once setsid is exec'd, a moment before it has made the new session: wait for that.
        long deadline = System.currentTimeMillis() + 2000;
        while (groupOf(pid) != pid && process.isAlive() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new ProcessGroup(pid, groupOf(pid) == pid || !process.isAlive());
    }

    long leader() {
        return leader;
    }

    /** The live members: the group's processes, or the leader and its descendants when there is no group. */
    List<ProcessHandle> members() {
        if (!ownGroup) {
            List<ProcessHandle> all = new ArrayList<>();
            ProcessHandle.of(leader).ifPresent(h -> {
                all.add(h);
                h.descendants().forEach(all::add);
            });
            return all;
        }
        List<ProcessHandle> all = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .mapToLong(Long::parseLong)
                    .filter(pid -> groupOf(pid) == leader && isRunning(pid))
                    .forEach(pid -> ProcessHandle.of(pid).ifPresent(all::add));
        } catch (IOException e) {
            ProcessHandle.of(leader).ifPresent(all::add);
        }
        return all;
    }

    /** SIGKILL to every member still alive (after the leader is gone: its orphans), and a short wait for them. */
    void killAll() {
        members().forEach(ProcessHandle::destroyForcibly);
        long deadline = System.currentTimeMillis() + 5000;
        while (!members().isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * True while the process exists and is not a zombie. An orphan killed here is reaped by init at its leisure
     * (or never, in a container whose PID 1 does not reap), and a zombie is no longer running anything.
     */
    public static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The process group id from /proc/PID/stat, or -1 (gone, or not Linux). */
    static long groupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static Path findSetsid() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            Path p = Path.of(dir, "setsid");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
