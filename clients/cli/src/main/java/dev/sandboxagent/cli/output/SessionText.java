package dev.sandboxagent.cli.output;

import dev.sandboxagent.client.SessionInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/** Sessions for people: a table for lists, labelled lines for one. */
public final class SessionText {
    private SessionText() {
    }

    public static void table(List<SessionInfo> sessions, Instant now, PrintWriter out) {
        table(sessions, now.toEpochMilli(), out);
    }

    /** The table with the clock in epoch milliseconds (see {@link Text#age(long, long)}). */
    public static void table(List<SessionInfo> sessions, long nowMillis, PrintWriter out) {
        if (sessions.isEmpty()) {
            out.println("no sessions");
            out.flush();
            return;
        }
        Table table = new Table("ID", "AGENT", "STATE", "TURN", "EVENTS", "UPDATED", "TITLE");
        for (SessionInfo s : sessions) {
            table.row(s.sessionId(), s.agent(), s.state(), s.runningTurnId() == null ? "idle" : s.runningTurnId(),
                    Long.toString(s.eventCount()), Text.age(s.updatedAt(), nowMillis), s.title());
        }
        table.print(out);
    }

    public static void details(SessionInfo s, PrintWriter out) {
        line(out, "session", s.sessionId());
        line(out, "agent", s.agent());
        line(out, "agent mode", s.agentMode());
        line(out, "permissions", s.permissionMode());
        line(out, "model", s.model());
        if (s.variant() != null) {
            line(out, "variant", s.variant());
        }
        line(out, "state", s.state());
        line(out, "turn", s.runningTurnId() == null ? "idle" : s.runningTurnId() + " running");
        line(out, "events", Long.toString(s.eventCount()));
        line(out, "directory", s.directory());
        line(out, "title", s.title());
        line(out, "native id", s.nativeSessionId());
        line(out, "created", Instant.ofEpochMilli(s.createdAt()).toString());
        line(out, "updated", Instant.ofEpochMilli(s.updatedAt()).toString());
        out.flush();
    }

    private static void line(PrintWriter out, String label, String value) {
        out.printf("%-12s %s%n", label, value == null ? "-" : value);
    }
}
