package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.common.CliCommand;

/** {@code sandbox-agent api sessions ...}: one subcommand per thing a user does with a session. */
public final class SessionsCommand implements CliCommand {
    @Override
    public CommandSpec spec() {
        return CommandSpec.command("sessions")
                .description("Create sessions, send them messages, read their events, answer their agents, end them.")
                .subcommands("create", "list", "get", "send-message", "events", "interrupt", "reply-permission",
                        "reply-question", "terminate", "delete")
                .build();
    }

    @Override
    public CliCommand subcommand(String name) {
        return switch (name) {
            case "create" -> new CreateSessionCommand();
            case "list" -> new ListSessionsCommand();
            case "get" -> new GetSessionCommand();
            case "send-message" -> new SendMessageCommand();
            case "events" -> new EventsCommand();
            case "interrupt" -> new InterruptSessionCommand();
            case "reply-permission" -> new ReplyPermissionCommand();
            case "reply-question" -> new ReplyQuestionCommand();
            case "terminate" -> new TerminateSessionCommand();
            case "delete" -> new DeleteSessionCommand();
            default -> null;
        };
    }
}
