package dev.noleaks.internal.report;

import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.measure.Readings;
import java.util.List;

/** Renders findings and readings into the text people read: failure messages and report entries. */
public final class Verdicts {

  private Verdicts() {}

  public static String message(String where, List<Finding> leaks, List<Finding> unavailable) {
    return message(where, leaks, unavailable, List.of());
  }

  /** The failure message: the findings, the meters not read, then how the check ran. */
  public static String message(
      String where, List<Finding> leaks, List<Finding> unavailable, List<String> notes) {
    StringBuilder b = new StringBuilder();
    b.append(where.isEmpty() ? "" : where + " ")
        .append("leaked (")
        .append(Sizes.plural(leaks.size(), "finding"))
        .append("):");
    for (Finding f : leaks) {
      b.append("\n  - ").append(f.render());
    }
    for (Finding f : unavailable) {
      b.append("\n  (").append(f.summary()).append(')');
    }
    for (String note : notes) {
      b.append("\n  (").append(note).append(')');
    }
    return b.toString();
  }

  /** One line of every reading in a snapshot, for report entries. */
  public static String readings(Readings s) {
    return "heap="
        + s.heapUsed()
        + (s.heapExact() ? "" : "(not after GC)")
        + " native="
        + s.nativeInUse().toOptional().map(String::valueOf).orElse("unavailable")
        + " jvmMalloc="
        + s.jvmMalloc().toOptional().map(String::valueOf).orElse("unavailable")
        + " fragmentation="
        + s.malloc()
            .toOptional()
            .map(m -> String.format(java.util.Locale.ROOT, "%.3f", m.freeRatio()))
            .orElse("unavailable")
        + " direct="
        + s.directBuffers().count()
        + "/"
        + s.directBuffers().bytes()
        + " mapped="
        + s.mappedBuffers().count()
        + "/"
        + s.mappedBuffers().bytes()
        + " fds="
        + s.descriptors().toOptional().map(l -> String.valueOf(l.size())).orElse("unavailable")
        + " threads="
        + s.threads().size()
        + " nativeThreads="
        + s.nativeThreadCount().toOptional().map(String::valueOf).orElse("unavailable")
        + " rss="
        + s.residentBytes().toOptional().map(String::valueOf).orElse("unavailable")
        + " allocated="
        + s.allocatedBytes();
  }
}
