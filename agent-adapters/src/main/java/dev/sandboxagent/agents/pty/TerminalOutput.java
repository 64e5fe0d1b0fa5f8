package dev.sandboxagent.agents.pty;

/**
 * Receives what a program writes to its terminal, on the terminal's reader thread, in order. The reader drains the
 * terminal whether or not the receiver keeps up; a receiver that blocks only delays it.
 */
public interface TerminalOutput {

    /** Discards everything: the terminal is still drained, so the program never blocks on a full buffer. */
    TerminalOutput DISCARD = (buffer, length) -> {
    };

    /** {@code buffer[0..length)} holds the next bytes; the buffer is reused once this returns. */
    void accept(byte[] buffer, int length);

    /** The program's side of the terminal is closed: no more bytes will come. */
    default void end() {
    }
}
