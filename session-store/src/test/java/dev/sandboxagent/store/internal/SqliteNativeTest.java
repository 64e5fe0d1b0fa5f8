package dev.sandboxagent.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.store.SessionStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM that opened a store leaves no copy of SQLite's native library in its temporary directory, and finds that
 * library without starting a process (sqlite-jdbc's own lookup runs {@code uname -o}).
 */
class SqliteNativeTest {
    @TempDir
    Path tmp;

    /** Runs in a child JVM: opens a store, writes and reads, then halts as the server's shutdown hook does. */
    public static void main(String[] args) {
        try (SessionStore store = SessionStore.openSqlite(Path.of(args[0]))) {
            store.create(new dev.sandboxagent.store.SessionSpec("s", "mock", "build", "default", null, null, "/",
                    null));
            if (store.get("s").isEmpty()) {
                Runtime.getRuntime().halt(3);
            }
        }
        Runtime.getRuntime().halt(0);
    }

    @Test
    void theNativeLibrarysCopyIsGoneOnceLoaded() throws Exception {
        Path scratch = Files.createDirectory(tmp.resolve("tmp"));
        String output = openAStoreInAChildJvm("-Djava.io.tmpdir=" + scratch);
        try (Stream<Path> left = Files.list(scratch)) {
            // sqlite-jdbc's own loading would leave sqlite-<version>-<uuid>-libsqlitejdbc.so (and .lck) here
            assertThat(left.map(p -> p.getFileName().toString())).as(output).isEmpty();
        }
    }
    @Test
    void openingAStoreDoesNotListTheSharedTempDirectory() throws Exception {
        // sqlite-jdbc's initialize lists its temp directory and deletes every sqlite-<version>* entry without a .lck
        // beside it (stale copies of its own library): a full listing of a shared /tmp at every start. A marker of
        // that shape shows whether the listing ran (docs/benchmarks.md "Server start, session 9").
        Path scratch = Files.createDirectory(tmp.resolve("tmp"));
        Path marker = Files.createFile(scratch.resolve(
                "sqlite-" + org.sqlite.SQLiteJDBCLoader.getVersion() + "-marker-libsqlitejdbc.so"));
        String output = openAStoreInAChildJvm("-Djava.io.tmpdir=" + scratch);
        assertThat(marker).as("sqlite-jdbc listed java.io.tmpdir and removed the marker; " + output).exists();
    }

    @Test
    void anOperatorsSqliteTmpdirIsStillCleanedBySqliteJdbc() throws Exception {
        // The operator's own org.sqlite.tmpdir is theirs: sqlite-jdbc's clean-up runs there as it always did.
        Path operators = Files.createDirectory(tmp.resolve("operators"));
        Path marker = Files.createFile(operators.resolve(
                "sqlite-" + org.sqlite.SQLiteJDBCLoader.getVersion() + "-marker-libsqlitejdbc.so"));
        openAStoreInAChildJvm("-Dorg.sqlite.tmpdir=" + operators);
        assertThat(marker).doesNotExist();
    }

    @Test
    void openingAStoreStartsNoProcess() throws Exception {
        Path classes = tmp.resolve("classes.log");
        openAStoreInAChildJvm("-Xlog:class+load=info:file=" + classes);
        List<String> loaded = Files.readAllLines(classes);
        assertThat(loaded).anyMatch(line -> line.contains(" org.sqlite.core.NativeDB ")); // the library was used
        assertThat(loaded.stream().filter(line -> line.contains(" java.lang.ProcessImpl ")).toList())
                .as("a child process started while the store opened").isEmpty();
    }

    @Test
    void openingAStoreSeedsNoSecureRandom() throws Exception {
        // Files.createTempDirectory names its directories from a SecureRandom, whose first use loads and seeds the
        // JDK's security providers: in a server start, only for the library's private directory (docs/benchmarks.md
        // "Server start, session 9").
        Path classes = tmp.resolve("classes.log");
        openAStoreInAChildJvm("-Xlog:class+load=info:file=" + classes);
        List<String> loaded = Files.readAllLines(classes);
        assertThat(loaded).anyMatch(line -> line.contains(" org.sqlite.core.NativeDB ")); // the library was used
        assertThat(loaded.stream().filter(line -> line.contains(" java.security.SecureRandom ")).toList())
                .as("a SecureRandom made while the store opened").isEmpty();
    }

    /** Runs {@link #main} (opens a store, writes, reads, halts) in a fresh JVM with {@code jvmFlag}; returns what it printed. */
    private String openAStoreInAChildJvm(String jvmFlag) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, jvmFlag,
                "-cp", System.getProperty("java.class.path"), SqliteNativeTest.class.getName(),
                tmp.resolve("data").toString()))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        return output;
    }

    @Test
    void theLibrarysFolderIsTheOneSqliteJdbcWouldPick() {
        assertThat(SqliteNative.resourceFolder())
                .isEqualTo(org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath());
    }
}
