package dev.sandboxagent.agents.pty;

import com.pty4j.PtyProcess;
import com.pty4j.WinSize;
import com.pty4j.unix.CLibrary;
import com.pty4j.unix.UnixPtyProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * A program under a real pseudo-terminal, set up for a machine protocol. Every adapter runs its agent through one.
 *
 * <ul>
 *   <li><b>Raw mode.</b> pty4j has no raw switch, and the default line discipline echoes input, turns {@code \n}
 *   into {@code \r\n} and cuts input lines at 4095 bytes. So the child starts as {@code /bin/sh -c 'stty raw
 *   -echo && mkfifo FIFO; printf MARKER; exec "$@" 2>FIFO' sh MARKER FIFO PROGRAM ARGS...} (everything variable
 *   as positional parameters, never pasted into the script), and {@link TerminalProcessBuilder#start()} returns
 *   only once the marker came back, so nothing is written to the child before the terminal is raw.</li>
 *   <li><b>Always drained.</b> A reader thread consumes the terminal whether anyone listens or not
 *   ({@link TerminalOutput#DISCARD}), so the program never blocks on a full terminal.</li>
 *   <li><b>stderr apart, through a FIFO.</b> pty4j's console mode would give stderr a second terminal, and that
 *   works, but it also skips {@code setsid()}: the program then has no controlling terminal, stays in the
 *   server's session, gets no SIGHUP when the server dies (measured: it lives on as an orphan) and would reach
 *   the server's own terminal through {@code /dev/tty}. So the program gets a session of its own with this PTY as
 *   its controlling terminal (pty4j's normal mode), and the wrapper redirects its stderr into a named pipe that a
 *   second thread drains into a bounded {@link StderrCapture}. stdin and stdout stay the raw terminal
 *   ({@code [ -t 0 ]}, {@code [ -t 1 ]}); stderr is a pipe. TerminalProcessTest proves both.</li>
 *   <li><b>Stopping.</b> {@link #terminate} sends SIGTERM to the program's process group (it is a session leader,
 *   so its children are in the group) and to any other descendants, then SIGKILL after the grace.</li>
 * </ul>
 *
 * <p>pty4j finds its native library itself: it extracts it from its jar (plain classpath or a shaded fat jar, as
 * long as the {@code resources/com/pty4j/native/} entries are kept) into a temporary directory; see
 * {@link PtyNatives} to choose that directory.
 */
public final class TerminalProcess {
    private static final System.Logger LOG = System.getLogger(TerminalProcess.class.getName());
    private static final int PREAMBLE_LIMIT = 64 * 1024;
    private static final Duration AFTER_KILL = Duration.ofSeconds(10);
    /** More than a terminal buffers (about 68 KB on Linux): output beyond it came after the exit. */
    private static final long AFTER_EXIT_LIMIT = 1024 * 1024;
    /** One read buffer per pool thread, not per terminal: an idle terminal holds none. */
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[64 * 1024]);
    /** Where a read lands first (see {@link Libc#read(int, com.sun.jna.Pointer, int)}), beside its thread's buffer. */
    private static final ThreadLocal<com.sun.jna.Memory> NATIVE_BUFFERS =
            ThreadLocal.withInitial(() -> new com.sun.jna.Memory(64 * 1024));
    /** The terminal whose output or exit handler the current thread runs, if any. */
    private static final ThreadLocal<TerminalProcess> IN_HANDLER_OF = new ThreadLocal<>();

    private final PtyProcess process;
    private final String name;
    private final String marker;
    private final NamedPipe stderrPipe;
    private final StderrCapture stderr;
    private final TerminalInput input;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Integer> processExit = new CompletableFuture<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final AtomicBoolean terminationRequested = new AtomicBoolean();
    private final AtomicLong readAfterExit = new AtomicLong();
    private final ByteArrayOutputStream preamble = new ByteArrayOutputStream();
    /** Completes once the terminal's output has all been delivered and {@link TerminalOutput#end} returned. */
    private final CompletableFuture<Void> stdoutDone = new CompletableFuture<>();
    private final Duration drain;
    private final String threadName;
    private final TerminalOutput output;
    private final TerminalOutput stderrOutput;
    private final IntConsumer onExit;
    private final int masterFd;
    private final PtyPoller.Watch stdoutWatch;
    private volatile PipeInput pipeInput;

    TerminalProcess(PtyProcess process, TerminalProcessBuilder b, String marker, NamedPipe stderrPipe) {
        this.process = process;
        this.name = b.name;
        this.marker = marker;
        this.stderrPipe = stderrPipe;
        this.stderr = new StderrCapture(b.stderrHead, b.stderrTail);
        this.drain = b.drain;
        this.input = new TerminalInput(process, name + " (pid " + process.pid() + ")");
        // Ask for every stream now: pty4j closes the terminal on destroy() if a stream was never requested.
        process.getErrorStream();
        process.getInputStream();
        threadName = "pty-" + name + "-" + process.pid();
        Consumer<String> onStderr = b.stderrLines;
        stderrOutput = new LineReader(line -> {
            stderr.add(line);
            onStderr.accept(line);
        }, () -> {
        }, 1024 * 1024);
        output = b.output;
        onExit = b.onExit;
        UnixPtyProcess unix = (UnixPtyProcess) process;
        masterFd = unix.getPty().getMasterFD();
        PtyPoller poller = PtyPoller.shared();
        stdoutWatch = poller.watch(masterFd, this::onStdoutReady, fd -> {
        }); // pty4j owns and closes the master
        int exitFd = ExitSignal.of(unix);
        if (exitFd >= 0) {
            poller.watch(exitFd, this::onExitSignal, fd -> {
            });
        } else { // pty4j changed inside: wait for the exit on a thread of this terminal, as before
            daemon(threadName + "-exit", () -> {
                try {
                    process.waitFor();
                    onExitSignal();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        }
    }

    public static TerminalProcessBuilder builder(List<String> command) {
        return new TerminalProcessBuilder(command);
    }

    public static TerminalProcessBuilder builder(String... command) {
        return new TerminalProcessBuilder(List.of(command));
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return !processExit.isDone();
    }

    /** The program's stderr so far (head, tail, count). */
    public StderrCapture stderr() {
        return stderr;
    }

    /**
     * Completes with the exit code (128 + signal number when a signal killed it) once the program has exited, its
     * output has been drained and the {@link TerminalProcessBuilder#onExit} callback has returned.
     */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    public int waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The exit code, or empty if the program is still running after {@code timeout}. */
    public OptionalInt waitFor(Duration timeout) throws InterruptedException {
        try {
            return OptionalInt.of(exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return OptionalInt.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** True once {@link #terminate} was called: the exit was asked for. */
    public boolean terminationRequested() {
        return terminationRequested.get();
    }

    /**
     * Writes {@code bytes} to the program in one piece: concurrent writers never interleave. Blocks while the
     * terminal is full (the program does not read).
     */
    public void write(byte[] bytes) throws IOException {
        PipeInput pipe = pipeInput;
        if (pipe != null) {
            pipe.write(bytes);
            return;
        }
        input.write(bytes);
    }

    /** Writes {@code line} and a {@code \n} as one piece, UTF-8. */
    public void writeLine(String line) throws IOException {
        write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Like {@link #write} but never blocks the caller: writes happen in call order on a writer thread of this
     * terminal. The future fails if the terminal is closed.
     */
    public CompletableFuture<Void> writeAsync(byte[] bytes) {
        PipeInput pipe = pipeInput;
        if (pipe != null) {
            return pipe.writeAsync(bytes);
        }
        return input.writeAsync(bytes, "pty-" + name + "-" + pid() + "-in");
    }

    /** Tells the program its terminal has a new size (SIGWINCH). Ignored once it has exited. */
    public void resize(int columns, int rows) {
        input.whileOpen(() -> {
            if (isAlive()) {
                process.setWinSize(new WinSize(columns, rows));
            }
        });
    }

    /** The terminal's current size as {columns, rows}. */
    public int[] size() throws IOException {
        WinSize size = process.getWinSize();
        return new int[] {size.getColumns(), size.getRows()};
    }

    /**
     * Stops the program: SIGTERM to its process group and descendants, SIGKILL after {@code grace} if it is still
     * running, then waits until it has exited and its output is drained. Returns the exit code (-1 if it could not
     * be confirmed). Safe to call more than once and after the program exited on its own.
     */
    public int terminate(Duration grace) {
        terminationRequested.set(true);
        // Called from our own output or exit handler (a listener reacting to an event): the full exit waits for
        // that very handler, so wait for the process only.
        CompletableFuture<Integer> done = IN_HANDLER_OF.get() == this ? processExit : exit;
        if (!processExit.isDone()) {
            List<ProcessHandle> family = descendants();
            process.destroy(); // pty4j: killpg(pid, SIGTERM), falling back to kill(pid)
            family.forEach(ProcessHandle::destroy);
            if (!completesWithin(processExit, grace)) {
                LOG.log(Level.DEBUG, () -> name + " (pid " + pid() + ") ignored SIGTERM for " + grace + "; killing");
                family.addAll(descendants());
                process.destroyForcibly(); // killpg(pid, SIGKILL)
                family.forEach(ProcessHandle::destroyForcibly);
            }
        }
        if (!completesWithin(done, AFTER_KILL)) {
            LOG.log(Level.WARNING, name + " (pid " + pid() + ") was not confirmed gone after SIGKILL");
            return -1;
        }
        return done.join();
    }

    @Override
    public String toString() {
        return "TerminalProcess[" + name + ", pid " + pid() + (isAlive() ? "" : ", exited") + "]";
    }

    /**
     * The terminal is readable, hung up, or the program exited (a kick): reads what is there, a bounded amount so
     * the pool thread is shared fairly, and returns false once the output has ended. Never blocks on the read.
     */
    private boolean onStdoutReady() {
        IN_HANDLER_OF.set(this);
        try {
            byte[] buffer = BUFFERS.get();
            com.sun.jna.Memory landing = NATIVE_BUFFERS.get();
            for (int round = 0; round < 16; round++) {
                if (!PtyPoller.readyNow(masterFd)) {
                    if (processExit.isDone()) {
                        // pty4j's rule, kept: once the program is gone, an empty terminal is the end of its output
                        endStdout();
                        return false;
                    }
                    return true;
                }
                int n = Libc.read(masterFd, landing, buffer.length);
                if (n <= 0) {
                    int errno = n < 0 ? Libc.errno() : 0;
                    if (errno == CLibrary.EINTR || errno == CLibrary.EAGAIN) {
                        continue;
                    }
                    endStdout(); // EIO once the program's side is gone: the normal end of a terminal on Linux
                    return false;
                }
                if (processExit.isDone() && readAfterExit.addAndGet(n) > AFTER_EXIT_LIMIT) {
                    // A descendant that survived the hangup and writes without pause: it would keep the read
                    // going for ever. The exit closes its terminal.
                    LOG.log(Level.WARNING, name + " exited but its terminal is still written to; closing it");
                    endStdout();
                    return false;
                }
                landing.read(0, buffer, 0, n);
                onBytes(buffer, n);
            }
            return true;
        } finally {
            IN_HANDLER_OF.remove();
        }
    }

    private void onBytes(byte[] buffer, int n) {
        if (ready.isDone()) {
            deliver(output, buffer, 0, n);
            return;
        }
        // Until the marker the bytes are the wrapper's (stty's complaints), not the program's.
        int after = afterMarker(buffer, n);
        if (after >= 0) {
            byte[] all = preamble.toByteArray();
            stderrPipe.startReader(stderrOutput);
            ready.complete(null);
            deliver(output, all, after, all.length - after);
        }
    }

    private void endStdout() {
        ready.completeExceptionally(new IOException("the program ended before its terminal was ready"));
        try {
            output.end();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "output handler of " + name + " failed at the end", e);
        } finally {
            stdoutDone.complete(null);
        }
    }

    /** Index in the preamble just past the marker, or -1 while it has not come yet. */
    private int afterMarker(byte[] buffer, int n) {
        preamble.write(buffer, 0, n);
        String seen = preamble.toString(StandardCharsets.ISO_8859_1); // one char per byte: indexes match
        int at = seen.indexOf(marker);
        if (at >= 0) {
            return at + marker.length();
        }
        if (preamble.size() > PREAMBLE_LIMIT) {
            byte[] keep = Arrays.copyOfRange(preamble.toByteArray(), preamble.size() - marker.length(),
                    preamble.size());
            preamble.reset();
            preamble.write(keep, 0, keep.length);
        }
        return -1;
    }

    private void deliver(TerminalOutput output, byte[] buffer, int offset, int length) {
        if (length <= 0) {
            return;
        }
        byte[] bytes = buffer;
        if (offset != 0) {
            bytes = Arrays.copyOfRange(buffer, offset, offset + length);
        }
        try {
            output.accept(bytes, length);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "output handler of " + name + " failed; output is still drained", e);
        }
    }

    /**
     * The program exited (pty4j reaped it): reports the exit once its output is delivered. Runs on a pool thread,
     * which it keeps while the output drains at the listener's pace, however slow.
     */
    private boolean onExitSignal() {
        IN_HANDLER_OF.set(this);
        int code;
        try {
            code = process.waitFor(); // returns at once: pty4j signals only after it has the exit code
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            IN_HANDLER_OF.remove();
            return false;
        }
        processExit.complete(code);
        try {
            // An empty terminal now ends the output (pty4j's rule): let the reader look even if nothing comes.
            PtyPoller.shared().kick(stdoutWatch);
            stdoutDone.join();
            stderrPipe.finish(drain);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // (No killpg here: the group leader is reaped, and pty4j would fall back to kill(pid) on a pid that may
            // belong to someone else by now.)
            closeTerminal();
            try {
                onExit.accept(code);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "exit handler of " + name + " failed", e);
            } finally {
                exit.complete(code);
                IN_HANDLER_OF.remove();
            }
        }
        return false;
    }

    private void closeTerminal() {
        PipeInput pipe = pipeInput;
        if (pipe != null) {
            pipe.close();
        }
        input.close();
    }

    private List<ProcessHandle> descendants() {
        return new ArrayList<>(ProcessHandle.of(pid()).map(h -> h.descendants().toList()).orElse(List.of()));
    }

    private static boolean completesWithin(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return future.isDone();
        } catch (ExecutionException e) {
            return true;
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(Objects.requireNonNull(body), name);
        t.setDaemon(true);
        return t;
    }

    void awaitReady(Duration timeout, boolean stdinPipe) throws IOException {
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (stdinPipe) {
                // The wrapper holds the FIFO read-write, so this open does not block; then the go line lets it
                // hand the FIFO to the program as stdin.
                try {
                    pipeInput = PipeInput.open(stderrPipe.stdinPath(), name + " (pid " + pid() + ")",
                            threadName + "-in");
                    input.write("\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    terminate(Duration.ZERO);
                    throw new IOException("cannot start " + name + ": its stdin pipe failed: " + e.getMessage(), e);
                }
            }
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminate(Duration.ZERO);
            throw new IOException("interrupted while starting " + name, e);
        } catch (ExecutionException e) {
            int code = waitQuietly();
            throw new IOException("cannot start " + name + ": it exited with code " + code
                    + " before its terminal was ready" + details(), e.getCause());
        } catch (TimeoutException e) {
            terminate(Duration.ZERO);
            throw new IOException("cannot start " + name + ": its terminal did not become ready within "
                    + timeout.toMillis() + " ms" + details(), e);
        }
    }

    private int waitQuietly() {
        return completesWithin(exit, AFTER_KILL) ? exit.join() : -1;
    }

    private String details() {
        String early = preamble.toString(StandardCharsets.UTF_8).strip();
        String err = stderr.toString().strip();
        return (early.isEmpty() ? "" : "; terminal output: " + early) + (err.isEmpty() ? "" : "; stderr: " + err);
    }
}
