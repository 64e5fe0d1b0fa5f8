package dev.sandboxagent.bench.sidebyside;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A server the harness compares: how to start it, prepare it, hold a conversation with it, and call its CLI. */
interface Contender {
    /** {@link Results#OURS} or {@link Results#ANCHOR}. */
    String key();

    /** Spawns the server on {@code port} with {@code dataDir} as its only state (not yet healthy). */
    ServerProcess spawn(Path dataDir, int port, Path scratch) throws IOException;

    /** What must happen once after start and before any turn (not timed). */
    void prepare(ServerProcess server) throws IOException, InterruptedException;

    /** A new session (ours) or ACP server (anchor) of the mock agent, with a stream reader open on it. */
    Conversation open(ServerProcess server, String id) throws IOException, InterruptedException;

    /** The CLI command whose round trip is timed against the running server (set up what it needs first). */
    List<String> cliCommand(ServerProcess server) throws IOException, InterruptedException;

    /** Edits the environment of the CLI command. */
    default void cliEnvironment(java.util.Map<String, String> environment) {
    }

    /** What {@link #cliCommand} does, for the notes. */
    String cliDescription();

    /** One conversation: a turn is sent, and it is complete when its end arrives on the open stream. */
    interface Conversation extends AutoCloseable {
        /** Sends one mock turn and waits until the stream reader has seen its end. */
        void turn() throws Exception;

        /** Frames that arrived out of sequence (ours; always 0 for the anchor, whose stream is not checked). */
        long gaps();

        @Override
        void close();
    }
}
