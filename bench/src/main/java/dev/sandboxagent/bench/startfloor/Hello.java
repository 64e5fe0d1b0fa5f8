package dev.sandboxagent.bench.startfloor;

/**
 * Floor (a) of {@code bench/start-floor}: a JVM that prints one line and exits. What the JVM's own creation and
 * teardown cost on this machine, with a given set of flags and class-data archive, before any code of ours or of a
 * library runs (docs/benchmarks.md "Server start, session 10: the floor on this machine").
 */
public final class Hello {
    private Hello() {
    }

    public static void main(String[] args) {
        System.out.println("hello");
    }
}
