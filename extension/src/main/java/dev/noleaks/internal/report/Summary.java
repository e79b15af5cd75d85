package dev.noleaks.internal.report;

import dev.noleaks.internal.config.Sizes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The end-of-run summary on the console, one screen at most: tests checked and their verdicts,
 * leaks by kind, what was only warned of, what was retained once, meters not measured and why,
 * whether native memory was judged without Native Memory Tracking, NoLeaks' own time and where the
 * report is. Made from a run's records, like the report itself.
 */
public final class Summary {

  /** Lines shown of each list before "and N more". */
  static final int SHOWN = 5;

  private Summary() {}

  public static String of(SuiteRun run, Path report) {
    List<Recorded> tests = run.tests().stream().map(SuiteRun.Tested::recorded).toList();
    Map<Recorded.Verdict, Long> verdicts = new TreeMap<>();
    tests.forEach(t -> verdicts.merge(t.verdict(), 1L, Long::sum));
    StringBuilder b = new StringBuilder("[NoLeaks] ");
    b.append(Sizes.plural(tests.size(), "test")).append(" checked:");
    String sep = " ";
    for (var e : verdicts.entrySet()) {
      b.append(sep).append(e.getValue()).append(' ').append(e.getKey().key());
      sep = ", ";
    }
    b.append('\n');
    Map<String, Long> byKind = new TreeMap<>();
    tests.stream()
        .filter(t -> t.verdict() == Recorded.Verdict.LEAKED)
        .flatMap(t -> t.findings().stream())
        .forEach(f -> byKind.merge(f.meter(), 1L, Long::sum));
    if (!byKind.isEmpty()) {
      b.append("  leaked by kind: ").append(counts(byKind)).append('\n');
    }
    list(
        b,
        "warned (noleaks.mode=warn, not failed)",
        tests.stream().filter(t -> t.verdict() == Recorded.Verdict.WARNED).toList(),
        t -> t.test() + ": " + t.findings().get(0).summary());
    list(
        b,
        "retained once (a first use, not a leak)",
        tests.stream().filter(t -> !t.retainedOnce().isEmpty()).toList(),
        t -> t.test() + ": " + t.retainedOnce().get(0).summary());
    Map<String, Long> why = new TreeMap<>();
    tests.stream()
        .flatMap(t -> t.unavailable().stream())
        .forEach(u -> why.merge(u.reason(), 1L, Long::sum));
    list(
        b,
        "not measured",
        new ArrayList<>(why.entrySet()),
        e -> e.getKey() + " (" + Sizes.plural(e.getValue().intValue(), "test") + ")");
    List<Recorded> withoutNmt =
        tests.stream()
            .filter(t -> t.after().containsKey("native") && !t.after().containsKey("jvmMalloc"))
            .toList();
    if (!withoutNmt.isEmpty()) {
      long once =
          withoutNmt.stream()
              .filter(t -> t.retainedOnce().stream().anyMatch(i -> i.meter().equals("native")))
              .count();
      b.append("  native memory judged without Native Memory Tracking in ")
          .append(Sizes.plural(withoutNmt.size(), "test"))
          .append(
              once == 0
                  ? ""
                  : " (in "
                      + once
                      + " of them it was retained once, which may be a leak that NMT would show:"
                      + " each test's note says why)")
          .append(": the JVM's own malloc is not taken out of glibc's figures; start the test JVM")
          .append(" with -XX:NativeMemoryTracking=summary\n");
    }
    b.append("  NoLeaks' own time: ")
        .append(String.format(Locale.ROOT, "%.1f s", run.ownNanos() / 1e9))
        .append('\n');
    b.append("  report: ").append(report.toAbsolutePath().normalize());
    return b.toString();
  }

  private static String counts(Map<String, Long> counts) {
    List<String> parts = new ArrayList<>();
    counts.forEach((k, v) -> parts.add(k + " " + v));
    return String.join(", ", parts);
  }

  private static <T> void list(
      StringBuilder b, String title, List<T> items, Function<T, String> line) {
    if (items.isEmpty()) {
      return;
    }
    b.append("  ").append(title).append(": ").append(items.size()).append('\n');
    items.stream()
        .limit(SHOWN)
        .forEach(i -> b.append("    ").append(firstLine(line.apply(i))).append('\n'));
    if (items.size() > SHOWN) {
      b.append("    … and ").append(items.size() - SHOWN).append(" more in the report\n");
    }
  }

  private static String firstLine(String text) {
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    return line.length() > 160 ? line.substring(0, 157) + "..." : line;
  }
}
