package dev.sandboxagent.client;

/**
 * The server answered with an error. {@link #problem()} is its problem+json; the message is the problem's
 * {@code detail} followed by the status, e.g. {@code no session 'x' (404)}.
 */
public class SandboxAgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public SandboxAgentException(Problem problem) {
        super(message(problem));
        this.problem = problem;
    }

    public int status() {
        return problem.status();
    }

    public Problem problem() {
        return problem;
    }

    /** Shorthand for {@code problem().kind()}, e.g. {@code session_not_found}. */
    public String kind() {
        return problem.kind();
    }

    private static String message(Problem problem) {
        String text = problem.detail() != null ? problem.detail()
                : problem.title() != null ? problem.title() : problem.kind();
        return text + " (" + problem.status() + ")";
    }
}
