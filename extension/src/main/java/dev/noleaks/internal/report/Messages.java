package dev.noleaks.internal.report;

import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.measure.Concurrency;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.probe.MallocStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Every text NoLeaks shows, made in one place from the findings and readings: failure messages,
 * report entries and the fluent assertions' messages.
 */
public final class Messages {

  private Messages() {}

  public static String failure(String where, List<Finding> leaks, List<Finding> unavailable) {
    return failure(where, leaks, unavailable, List.of());
  }

  /** The failure message: the findings, the meters not read, then how the check ran. */
  public static String failure(
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
            .map(m -> String.format(Locale.ROOT, "%.3f", m.freeRatio()))
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

  public static String codeLeaked(
      List<Finding> leaks, List<Finding> unavailable, List<String> notes) {
    return failure("code", leaks, unavailable, notes);
  }

  public static String finding(Finding finding) {
    return finding.render();
  }

  public static String codeNotMeasured(List<Finding> unavailable) {
    StringBuilder b = new StringBuilder("cannot check the code:");
    for (Finding f : unavailable) {
      b.append("\n  - ").append(f.summary());
    }
    return b.toString();
  }

  public static String codeDisturbed(int neighbours) {
    return "cannot check the code: " + Concurrency.reason(neighbours);
  }

  public static String codeThrew(int run, int runs, Throwable thrown) {
    return "Expecting code not to throw, but run "
        + run
        + " of "
        + runs
        + " threw "
        + thrown.getClass().getName()
        + (thrown.getMessage() == null ? "" : ": " + thrown.getMessage());
  }

  public static String allocatedTooMuch(long limit, long most, int runs, int warmup) {
    return "Expecting code to allocate at most "
        + Sizes.format(limit)
        + " but it allocated "
        + Sizes.count(most)
        + " B ("
        + Sizes.format(most)
        + ")"
        + (runs > 1 ? " in its largest of " + runs + " runs" : "")
        + " (bytes allocated by the calling thread"
        + (warmup > 0 ? ", after " + Sizes.plural(warmup, "warm-up run") : "")
        + ")";
  }

  public static String notCollected(
      String referenceType, String referent, Duration waited, int collections, String hint) {
    return "Expecting the "
        + referenceType
        + " to "
        + referent
        + " to be cleared by garbage collection, but it was still reachable after "
        + Sizes.seconds(waited)
        + " and "
        + Sizes.plural(collections, "System.gc() call")
        + ".\n"
        + hint;
  }

  public static String fragmentation(
      String userDescription, MallocStats stats, String comparison, double bound) {
    String own =
        String.format(
            Locale.ROOT,
            "Expecting native fragmentation (free bytes malloc holds / its arena) to be %s %.3f,"
                + " but it was %.3f: %s free in a %s malloc arena",
            comparison,
            bound,
            stats.freeRatio(),
            Sizes.format(stats.freeBytes()),
            Sizes.format(stats.arena()));
    return userDescription == null || userDescription.isEmpty()
        ? own
        : "[" + userDescription + "] " + own;
  }

  public static String arenaTooSmall(MallocStats stats, long minimum) {
    return "Cannot judge native fragmentation: the malloc arena is "
        + Sizes.format(stats.arena())
        + " ("
        + Sizes.format(stats.freeBytes())
        + " of it free), smaller than the "
        + Sizes.format(minimum)
        + " below which a free ratio swings with a single freed block";
  }

  public static String fragmentationUnavailable(String reason) {
    return "Cannot judge native fragmentation: malloc statistics are unavailable: " + reason;
  }
}
