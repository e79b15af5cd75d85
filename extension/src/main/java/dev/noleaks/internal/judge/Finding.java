package dev.noleaks.internal.judge;

import dev.noleaks.Check;
import java.util.List;

/**
 * One thing a check found: a leak ({@code leak = true}) or a meter it could not read.
 *
 * @param check the check that found it
 * @param leak true for a leak, false for "unavailable: reason"
 * @param summary one line: {@code 2 file descriptors leaked: /tmp/x.log (file), …}
 * @param details further lines (thread stacks, class growth), indented by the renderer
 */
public record Finding(Check check, boolean leak, String summary, List<String> details) {

  public Finding {
    details = List.copyOf(details);
  }

  public static Finding leak(Check check, String summary, List<String> details) {
    return new Finding(check, true, summary, details);
  }

  public static Finding unavailable(Check check, String what, String reason) {
    return new Finding(check, false, what + " not measured: " + reason, List.of());
  }

  public String render() {
    StringBuilder b = new StringBuilder(summary);
    for (String line : details) {
      b.append("\n    ").append(line);
    }
    return b.toString();
  }
}
