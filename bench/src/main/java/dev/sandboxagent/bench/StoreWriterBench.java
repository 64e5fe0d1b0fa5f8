package dev.sandboxagent.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sandboxagent.schema.EventCodec;
import dev.sandboxagent.schema.EventData;
import dev.sandboxagent.store.EventDraft;
import dev.sandboxagent.store.SessionSpec;
import dev.sandboxagent.store.SessionStore;
import dev.sandboxagent.store.UniversalEvent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The store's writer alone, without PTY, server or clients: N appends of one {@code item.delta} each, shaped like
 * the mock's streamed deltas (typed data, the line as a text {@code raw}, a native session id), from one producer
 * thread as the PTY reader makes them, into a fresh store. Prints, per round, events per second and what the
 * writer thread spent per event: CPU (the encode, the JDBC binds, SQLite's own insert and commit) and bytes
 * allocated. The writer's CPU per event is the figure to compare: it is what the stream scenario's single writer
 * thread spends per event, and it moves far less with the machine's load than wall time does.
 *
 * <p>Usage: {@code StoreWriterBench [events] [rounds]} (default 200,000 and 3). Run with the server's JVM flags to
 * compare like with like ({@code -XX:+UseSerialGC -XX:TieredStopAtLevel=1 ...}, see bin/sandbox-agent); to compare
 * two builds, put either tree's session-store and event-schema jars on the class path.
 */
public final class StoreWriterBench {
    private StoreWriterBench() {
    }

    /**
     * What the mock's parser makes of a DELTA line: an item.delta record, written as the server's typed data writes
     * it (through {@link EventCodec#write}, so the bench measures that codec's path too).
     */
    private record Delta(EventData.ItemDelta record) implements EventDraft.TypedData {
        @Override
        public void writeTo(JsonGenerator out) throws IOException {
            EventCodec.write(out, record);
        }

        @Override
        public JsonNode toTree() {
            return EventCodec.toTree(record);
        }
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int round = 1; round <= rounds; round++) {
            Path dir = Files.createTempDirectory("store-writer-bench");
            try (SessionStore store = SessionStore.openSqlite(dir)) {
                store.create(new SessionSpec("stream", "mock", "build", "default", null, null, "/work/project", null));
                Thread writer = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("session-store-writer")).findFirst().orElseThrow();
                long cpuBefore = threads.getThreadCpuTime(writer.getId());
                long allocatedBefore = threads.getThreadAllocatedBytes(writer.getId());
                long start = System.nanoTime();
                CompletableFuture<List<UniversalEvent>> last = null;
                for (int i = 1; i <= events; i++) {
                    String delta = i + " ";
                    last = store.append("stream", List.of(new EventDraft("item.delta", "agent", false, null,
                            TextNode.valueOf("DELTA msg_1_2 " + delta), "mock-1796135754952338-9857",
                            new Delta(new EventData.ItemDelta("msg_1_2", delta)))));
                }
                last.join();
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("round %d: %,.0f events/s; writer thread per event: %.2f us CPU, %,.0f bytes"
                                + " allocated; load %s%n", round, events / seconds,
                        (threads.getThreadCpuTime(writer.getId()) - cpuBefore) / 1e3 / events,
                        (threads.getThreadAllocatedBytes(writer.getId()) - allocatedBefore) / (double) events,
                        Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
