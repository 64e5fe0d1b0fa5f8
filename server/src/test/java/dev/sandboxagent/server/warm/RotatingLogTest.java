package dev.sandboxagent.server.warm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingLogTest {
    @TempDir
    Path dir;

    @Test
    void rotatesAtTheLimitKeepsTheNewestFilesAndTailsAcrossThem() throws Exception {
        Path file = dir.resolve("p.log");
        try (RotatingLog log = new RotatingLog(file, 100, 2)) {
            // "line-NN\n" is 8 bytes: 12 lines per 100-byte file
            IntStream.range(0, 60).forEach(i -> log.append(String.format("line-%02d", i)));
            assertThat(Files.size(file)).isLessThanOrEqualTo(100);
            assertThat(log.rotated(1)).exists();
            assertThat(log.rotated(2)).exists();
            assertThat(log.rotated(3)).doesNotExist();
            assertThat(Files.readAllLines(log.rotated(1))).last().isEqualTo("line-47");

            assertThat(log.tail(3)).containsExactly("line-57", "line-58", "line-59");
            List<String> tail = log.tail(20);
            assertThat(tail).hasSize(20).startsWith("line-40").endsWith("line-59");
            // older lines than the kept files hold are gone; the tail returns what there is
            assertThat(log.tail(1000)).hasSize(36).startsWith("line-24");
        }
    }

    @Test
    void followersGetEachNewLineOnceAfterTheTail() {
        try (RotatingLog log = new RotatingLog(dir.resolve("f.log"), 1 << 20, 1)) {
            log.append("old");
            List<String> got = new ArrayList<>();
            Runnable unfollow = log.tailAndFollow(10, got::addAll, got::add);
            log.append("new");
            unfollow.run();
            log.append("after");
            assertThat(got).containsExactly("old", "new");
        }
    }

    @Test
    void anEmptyLogHasNoTail() {
        try (RotatingLog log = new RotatingLog(dir.resolve("none.log"), 100, 1)) {
            assertThat(log.tail(10)).isEmpty();
        }
    }
}
