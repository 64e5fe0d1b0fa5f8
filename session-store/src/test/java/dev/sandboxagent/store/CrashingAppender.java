package dev.sandboxagent.store;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link CrashRecoveryTest}: appends to session "crash" of the store in {@code args[0]} until
 * it is killed, printing every committed sequence as soon as the store reports it, as the server tells a client.
 */
public final class CrashingAppender {
    private CrashingAppender() {
    }

    public static void main(String[] args) {
        // Buffered, and flushed once per commit: what the parent reads is exactly what the store had confirmed.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false);
        SessionStore store = SessionStore.openSqlite(Path.of(args[0]));
        if (store.get("crash").isEmpty()) {
            store.create(StoreTesting.spec("crash"));
        }
        store.onCommit(batch -> {
            batch.forEach(event -> out.println(event.sequence()));
            out.flush();
        });
        for (int i = 0; ; i++) {
            store.append("crash", StoreTesting.numbered("child", i, 1 + i % 3));
        }
    }
}
