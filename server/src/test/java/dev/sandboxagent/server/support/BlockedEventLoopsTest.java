package dev.sandboxagent.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which of Vert.x's reports in a child server's log count, as a child's log really has them. */
class BlockedEventLoopsTest {
    @TempDir
    Path dir;

    @Test
    void aLoopCaughtWaitingCountsOneComputingWritingOrLoadingAClassDoesNotUntilTheComputeLimit() throws IOException {
        long over = BlockedEventLoops.COMPUTE_LIMIT.toMillis() + 1;
        Path log = dir.resolve("server.log");
        Files.writeString(log, String.join("\n",
                "INFO: listening on 127.0.0.1:1234",
                "WARNING: Thread vert.x-eventloop-thread-0 has been blocked for 700 ms, time limit is 500 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat java.base@17.0.15/java.lang.Thread.sleep(Native Method)",
                "\tat app//dev.sandboxagent.Example.handle(Example.java:1)",
                "WARNING: Thread vert.x-eventloop-thread-0 has been blocked for 900 ms, time limit is 500 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat java.base@17.0.15/sun.nio.ch.FileDispatcherImpl.writev0(Native Method)",
                "\tat app//io.netty.channel.socket.nio.NioSocketChannel.doWrite(NioSocketChannel.java:423)",
                "WARNING: Thread vert.x-eventloop-thread-0 has been blocked for 800 ms, time limit is 500 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat app//com.fasterxml.jackson.databind.ObjectMapper.writeValueAsString(ObjectMapper.java:4146)",
                "[EventLoopCheck] an event loop computed past 500 ms (fails past 5000 ms): Thread "
                        + "vert.x-eventloop-thread-0 has been blocked for 800 ms, time limit is 500 ms",
                "WARNING: Thread vert.x-eventloop-thread-0 has been blocked for " + over + " ms, time limit is 500 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat app//com.fasterxml.jackson.databind.ObjectMapper.writeValueAsString(ObjectMapper.java:4146)",
                "WARNING: Thread vert.x-eventloop-thread-0 has been blocked for 535 ms, time limit is 500 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat java.base@17.0.15/java.io.RandomAccessFile.readBytes(Native Method)",
                "\tat java.base@17.0.15/java.io.RandomAccessFile.read(RandomAccessFile.java:406)",
                "\tat java.base@17.0.15/java.util.zip.ZipFile$Source.readAt(ZipFile.java:1541)",
                "\tat java.base@17.0.15/java.util.zip.ZipFile$ZipFileInputStream.read(ZipFile.java:998)",
                "\tat java.base@17.0.15/java.util.zip.ZipFile$ZipFileInflaterInputStream.fill(ZipFile.java:481)",
                "\tat java.base@17.0.15/java.util.zip.InflaterInputStream.read(InflaterInputStream.java:158)",
                "\tat java.base@17.0.15/jdk.internal.loader.Resource.getBytes(Resource.java:124)",
                "\tat java.base@17.0.15/jdk.internal.loader.URLClassPath$JarLoader$2.getBytes(URLClassPath.java:872)",
                "\tat java.base@17.0.15/jdk.internal.loader.BuiltinClassLoader.defineClass("
                        + "BuiltinClassLoader.java:859)",
                "\tat java.base@17.0.15/java.lang.ClassLoader.loadClass(ClassLoader.java:525)",
                "\tat app//dev.sandboxagent.Example.handle(Example.java:1)",
                "WARNING: Thread vert.x-worker-thread-3 has been blocked for 70000 ms, time limit is 60000 ms",
                "io.vertx.core.VertxException: Thread blocked",
                "\tat java.base@17.0.15/java.lang.Thread.sleep(Native Method)",
                ""));
        assertThat(BlockedEventLoops.inLog(log, 0)).satisfiesExactly(
                waiting -> assertThat(waiting).contains("blocked for 700 ms", "java.lang.Thread.sleep"),
                computing -> assertThat(computing).contains("blocked for " + over + " ms", "ObjectMapper"));
        long afterFirst = Files.readString(log).indexOf("WARNING: Thread vert.x-eventloop-thread-0 has been "
                + "blocked for 900");
        assertThat(BlockedEventLoops.inLog(log, afterFirst)).hasSize(1);
    }
}
