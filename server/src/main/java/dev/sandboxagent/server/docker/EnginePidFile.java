package dev.sandboxagent.server.docker;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which dockerd this data directory's server started: {@code <data dir>/dockerd.pid}, one line
 * {@code <pid> <start time> <boot id>}. dockerd's own {@code --pidfile} cannot tell ours from anyone else's engine,
 * and after a kill -9 of the server our dockerd keeps running under PID 1, answering on the socket: without this
 * record the next server would adopt it and leave it unsupervised.
 *
 * <p>A PID alone could name another process after a reboot or PID reuse, so a PID counts as ours only while the
 * process's start time (field 22 of {@code /proc/<pid>/stat}) and the kernel's boot id are those recorded, and its
 * command line is dockerd's.
 */
final class EnginePidFile {
    private static final System.Logger LOG = System.getLogger(EnginePidFile.class.getName());
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final Path file;

    EnginePidFile(Path dataDir) {
        this.file = dataDir.resolve("dockerd.pid");
    }

    Path file() {
        return file;
    }

    /** Records the dockerd we just launched. A failure is logged only: it costs the crash recovery, not the engine. */
    void write(long pid) {
        Optional<String> startTime = startTime(pid);
        if (startTime.isEmpty()) {
            return; // already gone: nothing to recognise later
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, pid + " " + startTime.get() + " " + bootId() + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "could not record dockerd's pid in " + file + ": " + e.getMessage());
        }
    }

    /** After an orderly stop: nothing of ours runs any more. */
    void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove " + file + ": " + e.getMessage());
        }
    }

    /** The PID of the dockerd a previous server of this data dir started and left running, if it still runs. */
    Optional<Long> orphan() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            String[] fields = Files.readString(file, StandardCharsets.UTF_8).strip().split(" ");
            long pid = Long.parseLong(fields[0]);
            boolean same = fields.length == 3 && startTime(pid).map(fields[1]::equals).orElse(false)
                    && fields[2].equals(bootId()) && isDockerd(pid);
            if (same && isRunning(pid)) {
                return Optional.of(pid);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "ignoring the unreadable " + file + ": " + e.getMessage());
        }
        clear(); // stale: that dockerd is gone (or the PID is someone else's now)
        return Optional.empty();
    }

    /**
     * Stops an orphaned dockerd of ours: TERM, so it stops its containers and containerd in order; after
     * {@code grace}, KILL to it and to every process still in its process group (it leads one: it was launched
     * through setsid). Returns whether nothing of it is left running.
     */
    static boolean stop(long pid, Duration grace) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        while (isRunning(pid) && System.nanoTime() < deadline) {
            sleep(50);
        }
        if (isRunning(pid)) {
            LOG.log(Level.WARNING, "the orphaned dockerd " + pid + " did not stop within " + grace.toSeconds()
                    + " s of TERM; killing it and its process group");
        }
        // Members of its group outlive it when it is killed, and after an orderly stop there are none.
        List<Long> group = new ArrayList<>(groupMembers(pid));
        group.add(pid);
        group.forEach(member -> ProcessHandle.of(member).ifPresent(ProcessHandle::destroyForcibly));
        long killDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((isRunning(pid) || !groupMembers(pid).isEmpty()) && System.nanoTime() < killDeadline) {
            sleep(20);
        }
        return !isRunning(pid) && groupMembers(pid).isEmpty();
    }

    private static boolean isDockerd(long pid) {
        try {
            String[] argv = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.UTF_8)
                    .split("\0");
            return argv.length > 0 && Path.of(argv[0]).getFileName().toString().equals("dockerd");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Clock ticks after boot at which the process started: with the boot id, unique to one process. */
    private static Optional<String> startTime(long pid) {
        return stat(pid).map(fields -> fields[19]);
    }

    /** Running and not a zombie (an orphan's zombie waits for PID 1 to reap it, and runs nothing). */
    private static boolean isRunning(long pid) {
        return stat(pid).map(fields -> !fields[0].equals("Z") && !fields[0].equals("X")).orElse(false);
    }

    private static List<Long> groupMembers(long pgid) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .filter(pid -> pid != pgid && isRunning(pid)
                            && stat(pid).map(f -> f[2].equals(Long.toString(pgid))).orElse(false))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The fields of /proc/PID/stat after "pid (comm) ": state, ppid, pgrp, ..., starttime at index 19. */
    private static Optional<String[]> stat(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String bootId() {
        try {
            return Files.readString(BOOT_ID).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
