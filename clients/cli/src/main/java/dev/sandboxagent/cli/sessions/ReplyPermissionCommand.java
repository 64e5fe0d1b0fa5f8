package dev.sandboxagent.cli.sessions;

import dev.sandboxagent.cli.api.ApiOptions;
import dev.sandboxagent.cli.api.Connection;
import dev.sandboxagent.client.PermissionReply;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sessions reply-permission ID PERMISSION_ID --reply once|always|reject}. */
@Command(name = "reply-permission",
        description = "Answer an agent's permission request (the id is in its permission.requested event).")
public final class ReplyPermissionCommand implements Callable<Integer> {
    @Mixin(name = ApiOptions.MIXIN_NAME)
    ApiOptions api;

    @Parameters(index = "0", paramLabel = "ID", description = "The session.")
    String sessionId;

    @Parameters(index = "1", paramLabel = "PERMISSION_ID", description = "The request to answer.")
    String permissionId;

    @Option(names = "--reply", required = true, paramLabel = "once|always|reject",
            converter = ReplyConverter.class,
            description = "once: allow this request; always: allow it for the rest of the session; reject: refuse.")
    PermissionReply reply;

    @Override
    public Integer call() {
        Connection connection = api.connect();
        connection.client().replyPermission(sessionId, permissionId, reply);
        if (!connection.json()) { // the server answers 204: with --json there is nothing to print
            connection.println("replied " + reply.wire() + " to permission " + permissionId);
        }
        return 0;
    }

    /** Accepts the wire spelling ({@code once}), which is what users read in events. */
    static final class ReplyConverter implements picocli.CommandLine.ITypeConverter<PermissionReply> {
        @Override
        public PermissionReply convert(String value) {
            for (PermissionReply reply : PermissionReply.values()) {
                if (reply.wire().equalsIgnoreCase(value)) {
                    return reply;
                }
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "expected once, always or reject, got '" + value + "'");
        }
    }
}
