package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.cli.args.CommandSpec;
import dev.sandboxagent.cli.args.Option;
import dev.sandboxagent.cli.args.ParsedArgs;
import dev.sandboxagent.cli.common.CliCommand;
import dev.sandboxagent.cli.common.CliContext;
import dev.sandboxagent.client.PermissionReply;

/** {@code sessions reply-permission ID PERMISSION_ID --reply once|always|reject}. */
final class ReplyPermissionCommand implements CliCommand {
    /** The wire spellings ({@code once}), which is what users read in events. */
    static final Option REPLY = Option.value("--reply", "once|always|reject",
            "once: allow this request; always: allow it for the rest of the session; reject: refuse.")
            .required().choices("once", "always", "reject");

    @Override
    public CommandSpec spec() {
        return CommandSpec.command("reply-permission")
                .description("Answer an agent's permission request (the id is in its permission.requested event).")
                .argument("ID", "The session.")
                .argument("PERMISSION_ID", "The request to answer.")
                .options(ApiOptions.ALL)
                .options(REPLY)
                .build();
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        String sessionId = args.argument(0);
        String permissionId = args.argument(1);
        PermissionReply reply = reply(args.string(REPLY));
        Connection connection = ApiOptions.connect(args, context);
        connection.client().replyPermission(sessionId, permissionId, reply);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("replied " + reply.wire() + " to permission " + permissionId);
        }
        return 0;
    }

    /** The reply of a wire spelling; the parser has already checked that it is one of the choices. */
    private static PermissionReply reply(String wire) {
        for (PermissionReply reply : PermissionReply.values()) {
            if (reply.wire().equals(wire)) {
                return reply;
            }
        }
        throw new IllegalStateException("no reply is spelled " + wire);
    }
}
