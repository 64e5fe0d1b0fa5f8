package dev.sandboxagent.agents.acp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sandboxagent.agents.AgentContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which gemini chats can be resumed, and resuming within the minute the chat began. The records are gemini 0.61.0's
 * own (trimmed from a test run's {@code ~/.gemini/tmp/work/chats}); what gemini makes of them is its
 * {@code loadConversationRecord}: message records add, a {@code $set} of messages replaces, and only a user message
 * that is more than the session context (or a model message with content) makes a chat resumable.
 */
class GeminiTranscriptTest {
    static final String ID = "28329704-ea49-4209-857f-ccd365afb8da";
    static final String MINUTE = "2026-12-01T18-59";
    /** What gemini writes when it starts a chat: metadata, then the messages set to just the session context. */
    static final String CHAT_START = """
            {"sessionId":"%s","projectHash":"2719","startTime":"2026-12-01T18:59:29.124Z","kind":"main"}
            {"$set":{"messages":[{"id":"d049","type":"user","content":[{"text":"<session_context>\\nThis is the Gemini CLI."}]}]}}
            """.formatted(ID);
    static final String TURN = """
            {"id":"5454","type":"user","content":[{"text":"remember the word pelican"}]}
            {"$set":{"lastUpdated":"2026-12-01T18:59:29.466Z"}}
            {"id":"25df","type":"gemini","content":"FAKE_REPLY: you said remember the word pelican","thoughts":[]}
            """;

    @TempDir
    Path home;

    @Test
    void aChatThatNeverGotAMessageIsNothingToResume() throws Exception {
        chat(MINUTE, CHAT_START + CHAT_START);

        assertThat(adapter().hasTranscript(home, ID)).isFalse();
    }

    @Test
    void aChatWithATurnIsResumableEvenWhenItsLastLineWasCutShort() throws Exception {
        chat(MINUTE, CHAT_START + TURN + "{\"id\":\"b3f0\",\"type\":\"gem");

        assertThat(adapter().hasTranscript(home, ID)).isTrue();
        assertThat(adapter().hasTranscript(home, "28329704-0000-4209-857f-ccd365afb8da")).isFalse(); // not its id
    }

    @Test
    void aChatStartedAgainInItsOwnFileIsNothingToResume() throws Exception {
        // What session/load did in the minute the conversation began (the flaky GeminiSessionTest): its new chat for
        // the id went into the conversation's own file, and gemini then found "No previous sessions".
        chat(MINUTE, CHAT_START + TURN + CHAT_START);

        assertThat(adapter().hasTranscript(home, ID)).isFalse();
    }

    @Test
    void aResumeWithinTheMinuteTheChatBeganKeepsTheConversation() throws Exception {
        Path chat = chat(MINUTE, CHAT_START + TURN);

        GeminiAdapter.keepApartFromNewChat(home, ID);
        // gemini's session/load now starts its new chat for the id, named by the minute: the same minute.
        Files.writeString(chat, CHAT_START, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);

        assertThat(adapter().hasTranscript(home, ID)).isTrue();
        try (var files = Files.list(chat.getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).allSatisfy(name -> assertThat(name)
                    .startsWith("session-").endsWith("-" + ID.substring(0, 8) + ".jsonl")); // gemini's lookup
        }
        GeminiAdapter.keepApartFromNewChat(home, ID); // a second resume leaves the kept chat where it is
        assertThat(adapter().hasTranscript(home, ID)).isTrue();
    }

    private Path chat(String minute, String records) throws Exception {
        Path chats = Files.createDirectories(home.resolve(".gemini/tmp/work/chats"));
        return Files.writeString(chats.resolve("session-" + minute + "-" + ID.substring(0, 8) + ".jsonl"), records,
                StandardCharsets.UTF_8);
    }

    private GeminiAdapter adapter() {
        return new GeminiAdapter(new AgentContext(home.resolve("agents"), Map.of()));
    }
}
