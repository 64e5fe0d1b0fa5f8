package dev.sandboxagent.cli.api;

import dev.sandboxagent.cli.output.JsonText;
import dev.sandboxagent.client.SandboxAgentClient;
import java.io.PrintWriter;

/**
 * What an api command works with once connected: the client, where to print, and how (human text or JSON).
 */
public record Connection(SandboxAgentClient client, boolean json, PrintWriter out, PrintWriter err) {

    /** Prints a document as indented JSON (one answer of the server). */
    public void printJson(Object value) {
        println(JsonText.pretty(value));
    }

    /** Prints one JSON value on one line (JSONL: one event per line). */
    public void printJsonLine(Object value) {
        println(JsonText.line(value));
    }

    public void println(String line) {
        out.println(line);
        out.flush();
    }

    /** A note for the user that is not the command's output (stdout stays clean for pipes). */
    public void note(String line) {
        err.println(line);
        err.flush();
    }
}
