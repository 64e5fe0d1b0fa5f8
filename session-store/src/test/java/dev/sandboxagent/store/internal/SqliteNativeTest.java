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
    /**
     * When the private copy does not load, sqlite-jdbc falls back to its own ways, and the first of them extracts
     * another copy (and a .lck file) into its temp directory, which is the private directory during that call. Made
     * to happen here with an unloadable library ahead of the jar on the class path (so both copies fail) and the real
     * one on java.library.path (sqlite-jdbc's next way, which loads). Nothing of it may be left in the temp directory.
     */
    @Test
    void whenThePrivateCopyDoesNotLoadSqliteJdbcsFallbackLeavesNothingEither() throws Exception {
        Path scratch = Files.createDirectory(tmp.resolve("tmp"));
        String resource = SqliteNative.resourceFolder().substring(1) + "/"
                + org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
        Path shadow = tmp.resolve("shadow");
        Files.createDirectories(shadow.resolve(resource).getParent());
        Files.writeString(shadow.resolve(resource), "not a shared library");
        Path libraryPath = Files.createDirectory(tmp.resolve("lib"));
        try (java.io.InputStream real = org.sqlite.SQLiteJDBCLoader.class.getResourceAsStream("/" + resource)) {
            assertThat(real).as(resource).isNotNull();
            Files.copy(real, libraryPath.resolve(org.sqlite.util.LibraryLoaderUtil.getNativeLibName()));
        }

        String output = openAStoreInAChildJvm(shadow + java.io.File.pathSeparator
                + System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + scratch,
                "-Djava.library.path=" + libraryPath);

        try (Stream<Path> left = Files.walk(scratch)) {
            assertThat(left.filter(p -> !p.equals(scratch)).map(p -> scratch.relativize(p).toString()))
                    .as(output).isEmpty();
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
        return openAStoreInAChildJvm(System.getProperty("java.class.path"), jvmFlag);
    }

    private String openAStoreInAChildJvm(String classPath, String... jvmFlags) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("-cp", classPath, SqliteNativeTest.class.getName(), tmp.resolve("data").toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
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
