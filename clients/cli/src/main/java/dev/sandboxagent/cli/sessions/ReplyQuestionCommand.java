package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.OneOf;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import java.util.List;

/** {@code sessions reply-question ID QUESTION_ID (--answer TEXT... | --reject)}. */
final class ReplyQuestionCommand implements CliCommand {
    static final Option ANSWER = Option.value("--answer", "TEXT",
            "The answer; several (repeated, or separated by spaces) select several options.").greedy();
    static final Option REJECT = Option.flag("--reject", "Decline to answer.");

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("reply-question")
                .description("Answer or reject an agent's question (the id is in its question.requested event).")
                .argument("ID", "The session.")
                .argument("QUESTION_ID", "The question to answer.")
                .options(ApiOptions.ALL)
                .oneOf(OneOf.exactlyOne(ANSWER, REJECT))
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        String questionId = args.argument(1);
        boolean reject = args.flag(REJECT);
        Connection connection = ApiOptions.connect(args, context);
        if (reject) {
            connection.client().rejectQuestion(sessionId, questionId);
        } else {
            // One question per question.requested event, so one inner list: the selected answers.
            connection.client().replyQuestion(sessionId, questionId, List.of(args.strings(ANSWER)));
        }
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println((reject ? "rejected question " : "answered question ") + questionId);
        }
        return 0;
    }
}
