package dev.sandboxagent.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxagent.client.UniversalEvent;
import org.junit.jupiter.api.Test;

/** The human line of each event type: compact, and never missing what the user has to act on. */
class EventTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void turnsAndItems() {
        assertThat(line(3, "turn.started", "{\"phase\":\"started\",\"turn_id\":\"turn_1\"}"))
                .isEqualTo("#3 turn.started         turn_1");
        assertThat(line(12, "item.delta", "{\"item_id\":\"itm_3\",\"delta\":\"hello\\n\"}"))
                .isEqualTo("#12 item.delta           itm_3 \"hello\\n\"");
        assertThat(line(13, "item.completed", "{\"item\":{\"item_id\":\"itm_3\",\"kind\":\"message\",\"role\":"
                + "\"assistant\",\"status\":\"completed\",\"content\":[{\"type\":\"text\",\"text\":\"full text\"}]}}"))
                .isEqualTo("#13 item.completed       assistant: full text");
        assertThat(line(14, "turn.ended", "{\"phase\":\"ended\",\"turn_id\":\"turn_1\",\"metadata\":"
                + "{\"status\":\"completed\"}}"))
                .isEqualTo("#14 turn.ended           turn_1 completed");
        assertThat(line(5, "item.started", "{\"item\":{\"item_id\":\"itm_3\",\"kind\":\"message\",\"role\":"
                + "\"assistant\",\"status\":\"in_progress\",\"content\":[]}}"))
                .isEqualTo("#5 item.started         itm_3 assistant message");
        // A start the server made up for an item that came whole carries its content: item.completed prints it.
        assertThat(line(6, "item.started", "{\"item\":{\"item_id\":\"call_1\",\"kind\":\"tool_call\",\"role\":"
                + "\"assistant\",\"status\":\"in_progress\",\"content\":[{\"type\":\"tool_call\",\"name\":\"bash\","
                + "\"arguments\":\"ls\",\"call_id\":\"c1\"}]}}"))
                .isEqualTo("#6 item.started         call_1 assistant tool_call");
    }

    @Test
    void multiLineMessagesStayReadableAndIndented() {
        assertThat(line(7, "item.completed", "{\"item\":{\"item_id\":\"i\",\"kind\":\"message\",\"role\":\"assistant\","
                + "\"status\":\"completed\",\"content\":[{\"type\":\"text\",\"text\":\"one\\ntwo\"}]}}"))
                .isEqualTo("#7 item.completed       assistant: one\n    two");
    }

    @Test
    void toolCallsAndResultsShowNameArgumentsAndCallId() {
        assertThat(line(8, "item.completed", "{\"item\":{\"item_id\":\"i\",\"kind\":\"tool_call\","
                + "\"role\":\"assistant\","
                + "\"status\":\"completed\",\"content\":[{\"type\":\"tool_call\",\"name\":\"grep\",\"arguments\":"
                + "\"{\\\"q\\\":\\\"x\\\"}\",\"call_id\":\"c1\"}]}}"))
                .isEqualTo("#8 item.completed       tool_call assistant: grep {\"q\":\"x\"} (call c1)");
        assertThat(line(9, "item.completed", "{\"item\":{\"item_id\":\"i\",\"kind\":\"tool_result\",\"role\":\"tool\","
                + "\"status\":\"failed\",\"content\":[{\"type\":\"tool_result\",\"call_id\":\"c1\","
                + "\"output\":\"no\"}]}}"))
                .isEqualTo("#9 item.completed       tool_result tool [failed]: (call c1) no");
    }

    @Test
    void permissionsAndQuestionsShowTheirIdsAndHowToAnswer() {
        assertThat(line(20, "permission.requested", "{\"permission_id\":\"perm_1\",\"action\":\"write_file\","
                + "\"status\":\"requested\"}"))
                .isEqualTo("#20 permission.requested perm_1 write_file  (answer: sandbox-agent api sessions "
                        + "reply-permission s1 perm_1 --reply once|always|reject)");
        assertThat(line(21, "permission.resolved", "{\"permission_id\":\"perm_1\",\"action\":\"write_file\","
                + "\"status\":\"accept\"}"))
                .isEqualTo("#21 permission.resolved  perm_1 accept");
        assertThat(line(22, "question.requested", "{\"question_id\":\"q_1\",\"prompt\":\"continue?\","
                + "\"options\":[\"yes\",\"no\"],\"status\":\"requested\"}"))
                .isEqualTo("#22 question.requested   q_1 \"continue?\" options: yes | no  (answer: sandbox-agent api "
                        + "sessions reply-question s1 q_1 --answer TEXT | --reject)");
        assertThat(line(23, "question.resolved", "{\"question_id\":\"q_1\",\"prompt\":\"continue?\",\"options\":[],"
                + "\"status\":\"answered\",\"response\":\"yes\"}"))
                .isEqualTo("#23 question.resolved    q_1 answered: yes");
    }

    @Test
    void sessionEndsExplainFailures() {
        assertThat(line(30, "session.ended", "{\"reason\":\"terminated\",\"terminated_by\":\"daemon\"}"))
                .isEqualTo("#30 session.ended        terminated by daemon");
        assertThat(line(31, "session.ended", "{\"reason\":\"error\",\"terminated_by\":\"agent\",\"exit_code\":3,"
                + "\"message\":\"the agent exited with code 3\",\"stderr\":{\"head\":\"boom\",\"total_lines\":1,"
                + "\"truncated\":false}}"))
                .isEqualTo("#31 session.ended        error by agent (exit code 3): the agent exited with code 3\n"
                        + "    stderr: boom");
    }

    @Test
    void errorsUnparsedLinesAndUnknownTypes() {
        assertThat(line(40, "error", "{\"message\":\"rate limited\",\"code\":\"429\"}"))
                .isEqualTo("#40 error                429: rate limited");
        assertThat(line(41, "agent.unparsed", "{\"error\":\"not JSON\",\"location\":\"stdout\"}"))
                .isEqualTo("#41 agent.unparsed       not JSON (at stdout)");
        assertThat(line(42, "something.new", "{\"a\":1}")).isEqualTo("#42 something.new        {\"a\":1}");
        assertThat(line(1, "session.started", "{\"metadata\":{\"agent\":\"mock\",\"agent_mode\":\"build\"}}"))
                .isEqualTo("#1 session.started      agent=mock agent_mode=build");
    }

    private static String line(long sequence, String type, String data) {
        try {
            return EventText.format(new UniversalEvent("evt", sequence, "2025-01-01T00:00:00Z", "s1", null, "agent",
                    false, type, JSON.readTree(data), null));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
