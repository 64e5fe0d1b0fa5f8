package dev.sandboxagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository's own documents (README.md, docs/*.md) point at files that exist, and a link that names a test
 * method ({@code [`ClaudeAdapterTest.twoTurns…`](../agent-adapters/.../ClaudeAdapterTest.java)}, as the coverage
 * matrix of docs/agents.md does for every cell) names one that the file declares. A renamed or deleted test
 * then fails the build instead of leaving a matrix cell that claims a proof nobody runs. This module's tests run
 * from clients/cli, two levels below the repository's root.
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
    /** {@code [text](target)} where the target is not a URL; an anchor after '#' is left out. */
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\(([^)\\s#]+)(#[^)]*)?\\)");
    /** Link text naming {@code Class.method}, possibly cut short with '…' or "...". */
    private static final Pattern METHOD = Pattern.compile("^`?([A-Z][A-Za-z0-9]*)\\.([a-z][A-Za-z0-9_]*)(…|\\.\\.\\.)?`?$");

    @Test
    void everyRelativeLinkResolvesAndEveryNamedTestMethodExists() throws IOException {
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        assertThat(documents).as("the documents under %s", ROOT).hasSizeGreaterThan(5);

        List<String> broken = new ArrayList<>();
        int checked = 0;
        int methods = 0;
        for (Path document : documents) {
            Matcher link = LINK.matcher(Files.readString(document));
            while (link.find()) {
                String target = link.group(2);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                checked++;
                Path file = document.getParent().resolve(target).normalize();
                String where = ROOT.relativize(document) + ": [" + link.group(1) + "](" + target + ")";
                if (!Files.exists(file)) {
                    broken.add(where + ": no such file");
                    continue;
                }
                Matcher method = METHOD.matcher(link.group(1));
                if (method.matches() && file.toString().endsWith(".java")) {
                    methods++;
                    String name = method.group(2);
                    boolean prefix = method.group(3) != null;
                    Pattern declared = Pattern.compile("\\bvoid\\s+" + Pattern.quote(name)
                            + (prefix ? "[A-Za-z0-9_]*" : "") + "\\s*\\(");
                    if (!declared.matcher(Files.readString(file)).find()) {
                        broken.add(where + ": no test method " + name + (prefix ? "..." : "") + " in that file");
                    }
                }
            }
        }
        assertThat(checked).as("relative links checked").isGreaterThan(20);
        assertThat(methods).as("links naming a test method").isGreaterThan(10);
        assertThat(broken).as("broken links in the documents").isEmpty();
    }

    /**
     * docs/agents.md's coverage matrix: every cell that claims something ("yes ...") links the test that proves it
     * (issue 11: "each cell linked to the test that proves it").
     */
    @Test
    void everyYesInTheAgentsCoverageMatrixLinksATest() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/agents.md"));
        int start = lines.indexOf("## Coverage at a glance");
        assertThat(start).as("the matrix's heading").isNotNegative();
        List<String> unproven = new ArrayList<>();
        int cells = 0;
        boolean inTable = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            // cells are separated by " | "; a cell's own text never holds one (an escaped \| stays inside)
            String[] row = line.substring(1, line.length() - 1).split("(?<!\\\\)\\|");
            for (int i = 1; i < row.length; i++) {
                String cell = row[i].trim();
                if (cell.startsWith("yes")) {
                    cells++;
                    if (!cell.contains("](")) {
                        unproven.add(row[0].trim() + " / column " + i + ": " + cell);
                    }
                }
            }
        }
        assertThat(cells).as("cells saying yes").isGreaterThan(50);
        assertThat(unproven).as("matrix cells that claim without a linked test").isEmpty();
    }
}
