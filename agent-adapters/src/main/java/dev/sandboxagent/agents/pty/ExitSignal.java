package dev.sandboxagent.agents.pty;

import com.pty4j.unix.Pty;
import com.pty4j.unix.UnixPtyProcess;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;

/**
 * A descriptor that becomes readable once pty4j has reaped a program, so the exit can be watched by
 * {@link PtyPoller} instead of by a thread per program blocked in {@code waitFor()}.
 *
 * <p>pty4j's reaper thread (one per program, its own: it forks the program and waits for it) sets the exit code and
 * then writes a byte into a private pipe of the terminal ({@code Pty.myPipe}) to end a blocked read. Nothing reads
 * that pipe unless someone reads through pty4j's input stream, which we never do, so it stays readable from the
 * exit on. pty4j has no public way to be told of the exit, hence the reflection; if a pty4j version changes the
 * field, {@link #of} returns -1 and the terminal waits for its exit on a thread of its own, as before.
 * PtyPollerTest pins the field.
 */
final class ExitSignal {
    private static final System.Logger LOG = System.getLogger(ExitSignal.class.getName());
    private static final Field PIPE = pipeField();

    private ExitSignal() {
    }

    /** The read end of pty4j's exit pipe of {@code process}, or -1 if it cannot be had. */
    static int of(UnixPtyProcess process) {
        if (PIPE == null) {
            return -1;
        }
        try {
            int[] pipe = (int[]) PIPE.get(process.getPty());
            return pipe != null && pipe.length == 2 && pipe[0] >= 0 ? pipe[0] : -1;
        } catch (IllegalAccessException | RuntimeException e) {
            LOG.log(Level.DEBUG, "pty4j's exit pipe is out of reach", e);
            return -1;
        }
    }

    static boolean available() {
        return PIPE != null;
    }

    private static Field pipeField() {
        try {
            Field field = Pty.class.getDeclaredField("myPipe");
            if (field.getType() != int[].class) {
                throw new NoSuchFieldException("myPipe is a " + field.getType());
            }
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException | RuntimeException e) {
            LOG.log(Level.WARNING, "pty4j's exit pipe is not where expected; each terminal waits for its exit "
                    + "on a thread of its own", e);
            return null;
        }
    }
}
