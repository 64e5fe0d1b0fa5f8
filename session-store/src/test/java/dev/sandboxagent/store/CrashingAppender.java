package dev.sandboxagent.store;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link CrashRecoveryTest}: appends to session "crash" of the store in {@code args[0]} until
 * it is killed, printing every committed sequence as soon as the store reports it, as the server tells a client.
 * With {@code args[1]}, each event also carries that many characters of text, so the WAL grows fast and the kill
 * lands among checkpoints.
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
        int padding = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        String text = "x".repeat(padding);
        for (int i = 0; ; i++) {
            List<EventDraft> drafts = StoreTesting.numbered("child", i, 1 + i % 3);
            if (padding > 0) {
                drafts = drafts.stream().map(draft -> new EventDraft(draft.type(), draft.source(), false,
                        ((ObjectNode) draft.data()).put("text", text), null, null)).toList();
            }
            store.append("crash", drafts);
        }
    }
}
