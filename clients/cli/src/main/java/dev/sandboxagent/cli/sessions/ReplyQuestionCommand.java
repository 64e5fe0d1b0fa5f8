package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions reply-question ID QUESTION_ID (--answer TEXT... | --reject)}. */
@Command(name = "reply-question",
        description = "Answer or reject an agent's question (the id is in its question.requested event).")
public final class ReplyQuestionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Parameters(index = "1", paramLabel = "QUESTION_ID", description = "The question to answer.")
    String questionId;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Choice choice;

    /** Exactly one of: answers, or a rejection. */
    static final class Choice {
        @Option(names = "--answer", arity = "1..*", paramLabel = "TEXT",
                description = "The answer; several (repeated, or separated by spaces) select several options.")
        List<String> answers;

        @Option(names = "--reject", description = "Decline to answer.")
        boolean reject;
    }

    @Override
    public Integer call() {
        Connection connection = api.connect();
        if (choice.reject) {
            connection.client().rejectQuestion(sessionId, questionId);
        } else {
            // One question per question.requested event, so one inner list: the selected answers.
            connection.client().replyQuestion(sessionId, questionId, List.of(List.copyOf(choice.answers)));
        }
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println((choice.reject ? "rejected question " : "answered question ") + questionId);
        }
        return 0;
    }
}
