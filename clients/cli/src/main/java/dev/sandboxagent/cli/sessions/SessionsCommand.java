package dev.sandboxagent.cli.sessions;

import picocli.CommandLine.Command;

/** {@code sandbox-agent api sessions ...}: one subcommand per thing a user does with a session. */
@Command(name = "sessions",
        description = "Create sessions, send them messages, read their events, answer their agents, end them.",
        subcommands = {CreateSessionCommand.class, ListSessionsCommand.class, GetSessionCommand.class,
                SendMessageCommand.class, EventsCommand.class, InterruptSessionCommand.class,
                ReplyPermissionCommand.class, ReplyQuestionCommand.class, TerminateSessionCommand.class,
                DeleteSessionCommand.class})
public final class SessionsCommand {
}
