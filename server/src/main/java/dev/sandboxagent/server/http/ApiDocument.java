package dev.sandboxagent.server.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI document this server serves at {@code /openapi.json}, and the validator of request bodies built from
 * the very same document, so the spec a client reads is the one its requests are checked against.
 */
public final class ApiDocument {
    private static final String RESOURCE = "/dev/sandboxagent/server/openapi.json";
    private static final String BASE = "urn:sandbox-agent:openapi";

    /** Read on first use (see {@link #contents()}): neither the server's start nor a health poll needs it. */
    private volatile Contents contents; // written under this
    /** Built on first use (see {@link #repository()}): the server's start does not wait for it. */
    private SchemaRepository repository; // guarded by this
    private final Map<String, Validator> validators = new ConcurrentHashMap<>();

    /**
     * The document as text (what {@code /openapi.json} serves) and as JSON, and what requests are checked against
     * in every request that has an id or a body.
     *
     * @param memberNames every member name the document defines: an error may name these, never a key the client
     *                    made up
     */
    private record Contents(String text, JsonObject document, Pattern idPattern, java.util.Set<String> memberNames) {
        static Contents read() {
            String text;
            try (InputStream in = ApiDocument.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + RESOURCE);
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            JsonObject document = new JsonObject(text);
            Pattern idPattern = Pattern.compile(schema(document, "SessionId").getString("pattern"));
            java.util.Set<String> names = new java.util.HashSet<>();
            collectMemberNames(document, names);
            return new Contents(text, document, idPattern, java.util.Set.copyOf(names));
        }
    }

    private ApiDocument() {
    }

    private static void collectMemberNames(Object node, java.util.Set<String> into) {
        if (node instanceof JsonObject object) {
            JsonObject properties = object.getValue("properties") instanceof JsonObject p ? p : null;
            if (properties != null) {
                into.addAll(properties.fieldNames());
            }
            object.forEach(entry -> collectMemberNames(entry.getValue(), into));
        } else if (node instanceof JsonArray array) {
            array.forEach(item -> collectMemberNames(item, into));
        }
    }

    /**
     * The server's document, read on first use. Not at start: only {@code /openapi.json}, ids and bodies need it, and
     * an idle server that had read it held its text and JSON tree (~0.4 MB of heap) and Jackson's parser
     * (docs/benchmarks.md "Idle RSS, session 12"). Checks here that the resource is there, so a broken build still
     * fails at start.
     */
    public static ApiDocument load() {
        if (ApiDocument.class.getResource(RESOURCE) == null) {
            throw new IllegalStateException("missing resource " + RESOURCE);
        }
        return new ApiDocument();
    }

    /** The document, read and parsed on first call (~80 KB of JSON: on a worker, see ServerRuntime's router). */
    private Contents contents() {
        Contents read = contents; // one volatile read once read: the id check of every request comes here
        if (read == null) {
            synchronized (this) {
                read = contents;
                if (read == null) {
                    read = Contents.read();
                    contents = read;
                }
            }
        }
        return read;
    }

    /** Whether the document is read: until then an id's or a body's check would read it (see {@link #readDocument}). */
    public boolean documentRead() {
        return contents != null;
    }

    /** Reads the document, if not yet read: on a worker, before an id or a body is checked. */
    public void readDocument() {
        contents();
    }

    /**
     * The schema repository the body validators come from, built on first call. Dereferencing the whole document
     * and loading the JSON Schema library is a noticeable part of a server's start and of an idle server's memory,
     * and neither {@code GET /v1/health} nor any other bodiless request needs it: the first request with a body
     * builds it ({@link #prepare}, on a worker: see ServerRuntime's router) and every later one reuses it.
     */
    private synchronized SchemaRepository repository() {
        if (repository == null) {
            SchemaRepository built = SchemaRepository.create(new JsonSchemaOptions()
                    .setDraft(Draft.DRAFT202012)
                    .setBaseUri(BASE)
                    .setOutputFormat(OutputFormat.Basic));
            built.dereference(BASE, JsonSchema.of(contents().document()));
            repository = built;
        }
        return repository;
    }

    /** Whether {@link #prepare} is done: until then a body's validation would build or wait for the schemas. */
    public synchronized boolean prepared() {
        return repository != null;
    }

    /** Builds what validating bodies needs, if not yet built: on a worker, before a body is validated. */
    public void prepare() {
        repository();
    }

    public String text() {
        return contents().text();
    }

    public JsonObject document() {
        return contents().document();
    }

    public JsonObject schema(String name) {
        return schema(document(), name);
    }

    private static JsonObject schema(JsonObject document, String name) {
        return document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
    }

    /** The request body as JSON, checked against {@code components.schemas.<schemaName>}. */
    public JsonObject validBody(RoutingContext ctx, String schemaName) {
        return validBody(ctx, schemaName, parsed -> false);
    }

    /**
     * As {@link #validBody(RoutingContext, String)}, but a body that {@code plainlyValid} accepts skips the schema
     * validation: for the bodies sent on every turn, whose common shape is cheaper to recognise by hand than to
     * walk with the validator. {@code plainlyValid} must accept only bodies the schema accepts (a body it does not
     * accept is validated as usual, so every refusal still comes from the schema, with the schema's words).
     */
    public JsonObject validBody(RoutingContext ctx, String schemaName,
                                java.util.function.Predicate<JsonObject> plainlyValid) {
        io.vertx.core.buffer.Buffer raw = ctx.body().buffer();
        if (raw == null || raw.toString(StandardCharsets.ISO_8859_1).isBlank()) {
            throw ApiException.invalid("the request needs a JSON body (" + schemaName + ")");
        }
        JsonObject parsed = StrictJson.object(raw.getBytes(), contents().memberNames());
        if (plainlyValid.test(parsed)) {
            return parsed;
        }
        OutputUnit result = validators
                .computeIfAbsent(schemaName, name -> repository().validator(BASE + "#/components/schemas/" + name))
                .validate(parsed);
        if (Boolean.TRUE.equals(result.getValid())) {
            return parsed;
        }
        List<String> problems = result.getErrors() == null ? List.of()
                : result.getErrors().stream()
                        .map(u -> (u.getInstanceLocation() == null || u.getInstanceLocation().isEmpty() ? "body"
                                : u.getInstanceLocation()) + ": " + u.getError())
                        .distinct()
                        .toList();
        throw ApiException.invalid("the body does not match " + schemaName
                        + (problems.isEmpty() ? "" : ": " + problems.get(0)))
                .with("errors", new JsonArray(problems));
    }

    /** A session, permission or question id from the path, checked against the document's id pattern. */
    public String validId(RoutingContext ctx, String parameter) {
        String value = ctx.pathParam(parameter);
        if (value == null || !contents().idPattern().matcher(value).matches()) {
            throw ApiException.invalid(parameter + " must be 1 to 128 letters, digits, '.', '_' or '-'"
                    + (value == null ? "" : "; got " + describe(value)));
        }
        if (value.equals(".") || value.equals("..")) {
            throw ApiException.invalid(parameter + " may not be '.' or '..'");
        }
        return value;
    }

    /** Shows a bad value safely: bounded length and control characters escaped, never echoed raw. */
    static String describe(String value) {
        StringBuilder out = new StringBuilder("\"");
        value.codePoints().limit(40).forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        if (value.codePointCount(0, value.length()) > 40) {
            out.append("...");
        }
        return out.append("\" (").append(value.length()).append(" characters)").toString();
    }
}
