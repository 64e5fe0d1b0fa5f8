package dev.sandboxagent.server.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Turn ids keep their form ({@code turn_} and 16 hex digits) and never repeat within a process. */
class TurnIdsTest {
    private static final Pattern FORM = Pattern.compile("turn_[0-9a-f]{16}");

    @Test
    void idsHaveTheirFormAndDoNotRepeat() {
        TurnIds ids = new TurnIds();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            String id = ids.next();
            assertTrue(FORM.matcher(id).matches(), id);
            assertTrue(seen.add(id), "repeated: " + id);
        }
    }

    @Test
    void consecutiveIdsDoNotLookCountedAndTheCounterWrapsWithoutRepeats() {
        TurnIds ids = new TurnIds(-2); // the counter passes 2^64 -> 0 on the way
        Set<String> seen = new HashSet<>();
        String previous = null;
        for (int i = 0; i < 5; i++) {
            String id = ids.next();
            assertTrue(seen.add(id), "repeated: " + id);
            if (previous != null) {
                // Neighbours share no long common prefix, as counted ids would.
                assertNotEquals(previous.substring(0, 10), id.substring(0, 10));
            }
            previous = id;
        }
        assertEquals(5, seen.size());
    }

    @Test
    void twoProcessesStartApart() {
        // Each TurnIds (each server process) draws its own start.
        assertNotEquals(new TurnIds().next(), new TurnIds().next());
    }
}
