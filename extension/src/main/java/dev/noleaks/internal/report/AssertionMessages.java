package dev.noleaks.internal.report;

import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.measure.Concurrency;
import dev.noleaks.probe.MallocStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Every failure message of the fluent assertions, built in one place. */
public final class AssertionMessages {

  private AssertionMessages() {}

  public static String leaked(List<Finding> leaks, List<Finding> unavailable, List<String> notes) {
    return Verdicts.message("code", leaks, unavailable, notes);
  }

  public static String finding(Finding finding) {
    return finding.render();
  }

  public static String unavailable(List<Finding> unavailable) {
    StringBuilder b = new StringBuilder("cannot check the code:");
    for (Finding f : unavailable) {
      b.append("\n  - ").append(f.summary());
    }
    return b.toString();
  }

  public static String disturbed(int neighbours) {
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
