package dev.noleaks.internal.report;

import dev.noleaks.JavaThread;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.OpenDescriptor;
import dev.noleaks.internal.judge.Trend;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.ThreadOrigins;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the suite report keeps of one checked test: plain values only (names, numbers, the findings'
 * text), made from the check's readings and findings when the test ends, so that a whole suite's
 * records stay small and hold nothing of the code under test (no thread, no stack, no snapshot).
 *
 * @param sequence the order in which tests were recorded in this JVM (run order)
 * @param uniqueId JUnit's unique id of the test
 * @param test the test as people find it ({@code EdgeTest.parameterized() [2] input=b})
 * @param className the test class's fully qualified name
 * @param warnOnly {@code noleaks.mode=warn}: its findings fail nothing
 * @param repeat measured runs in repeated mode, 0 in single-run mode
 * @param before each meter read before the code, by name; a meter not read is absent
 * @param after each meter read after the code
 * @param heapBound when the after-heap was read without a GC: the most it can have grown
 * @param findings the leaks found
 * @param retainedOnce what a first run alone kept: a first use, not a leak
 * @param unavailable meters not measured, with the reason
 * @param notes how the check ran
 * @param series repeated mode: each memory meter's readings after every measured run
 * @param ownNanos time spent in NoLeaks' callbacks around the test
 */
public record Recorded(
    long sequence,
    String uniqueId,
    String displayName,
    String test,
    String className,
    boolean warnOnly,
    int repeat,
    Map<String, Long> before,
    boolean beforeHeapExact,
    Map<String, Long> after,
    boolean afterHeapExact,
    OptionalLong heapBound,
    List<Item> findings,
    List<Item> retainedOnce,
    List<NotMeasured> unavailable,
    List<String> notes,
    List<Series> series,
    long ownNanos) {

  public Recorded {
    before = Map.copyOf(before);
    after = Map.copyOf(after);
    findings = List.copyOf(findings);
    retainedOnce = List.copyOf(retainedOnce);
    unavailable = List.copyOf(unavailable);
    notes = List.copyOf(notes);
    series = List.copyOf(series);
  }

  /** NoLeaks' verdict on the test, whatever its own assertions said. */
  public enum Verdict {
    PASSED,
    LEAKED,
    WARNED,
    UNAVAILABLE;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Verdict verdict() {
    if (!findings.isEmpty()) {
      return warnOnly ? Verdict.WARNED : Verdict.LEAKED;
    }
    return unavailable.isEmpty() ? Verdict.PASSED : Verdict.UNAVAILABLE;
  }

  /**
   * A finding as data: which meter, what kind, how much (in {@code unit}), its one-line summary,
   * its full message, and where (descriptor targets, thread names and where they were made, the
   * classes that grew).
   */
  public record Item(
      String meter,
      String kind,
      double amount,
      String unit,
      String summary,
      String message,
      List<String> where) {
    public Item {
      where = List.copyOf(where);
    }

    /** This finding as another check reports it: that of a class, for one of its tests. */
    public Item of(String test) {
      return new Item(
          meter, kind, amount, unit, Messages.overdue(test, summary), test + ": " + message, where);
    }
  }

  /** A meter not measured, and why, in the words of the failure message. */
  public record NotMeasured(String meter, String reason) {}

  /** A repeated run's readings of one meter, the baseline after the warm-up first. */
  public record Series(String meter, long threshold, List<Long> readings) {
    public Series {
      readings = List.copyOf(readings);
    }

    static Series of(Trend trend) {
      List<Long> readings = new ArrayList<>();
      for (long r : trend.readings()) {
        readings.add(r);
      }
      return new Series(trend.check().key(), trend.threshold(), readings);
    }
  }

  /** The meters' names in the report, in the order it lists them. */
  public static final List<String> METERS =
      List.of(
          "heap",
          "native",
          "jvmMalloc",
          "directCount",
          "directBytes",
          "mappedCount",
          "mappedBytes",
          "descriptors",
          "threads",
          "nativeThreads",
          "rss");

  /** The meters of a snapshot by name, as the report shows them; those not read are left out. */
  public static Map<String, Long> meters(Readings r) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("heap", r.heapUsed());
    r.nativeInUse().toOptional().ifPresent(v -> m.put("native", v));
    r.jvmMalloc().toOptional().ifPresent(v -> m.put("jvmMalloc", v));
    m.put("directCount", r.directBuffers().count());
    m.put("directBytes", r.directBuffers().bytes());
    m.put("mappedCount", r.mappedBuffers().count());
    m.put("mappedBytes", r.mappedBuffers().bytes());
    r.descriptors().toOptional().ifPresent(d -> m.put("descriptors", (long) d.size()));
    m.put("threads", (long) r.threads().size());
    r.nativeThreadCount().toOptional().ifPresent(v -> m.put("nativeThreads", (long) v));
    r.residentBytes().toOptional().ifPresent(v -> m.put("rss", v));
    return m;
  }

  /** The report's item for a finding. */
  public static Item item(Finding.Leak f) {
    String meter = f.check().key();
    String summary = Messages.summary(f);
    String message = Messages.finding(f);
    if (f instanceof Finding.DescriptorsLeaked d) {
      return new Item(
          meter,
          "descriptors-leaked",
          d.descriptors().size(),
          "descriptors",
          summary,
          message,
          targets(d.descriptors()));
    }
    if (f instanceof Finding.ClosedByGc d) {
      return new Item(
          meter,
          "closed-by-gc",
          d.descriptors().size(),
          "descriptors",
          summary,
          message,
          targets(d.descriptors()));
    }
    if (f instanceof Finding.ThreadsLeaked t) {
      return new Item(
          meter,
          "threads-leaked",
          t.threads().size(),
          "threads",
          summary,
          message,
          threads(t.threads(), t.madeAt()));
    }
    if (f instanceof Finding.StoppedByGc t) {
      return new Item(
          meter,
          "stopped-by-gc",
          t.threads().size(),
          "threads",
          summary,
          message,
          threads(t.threads(), t.madeAt()));
    }
    if (f instanceof Finding.BuffersGrew b) {
      return new Item(
          meter,
          "buffers-grew",
          b.after().bytes() - b.before().bytes(),
          "bytes",
          summary,
          message,
          List.of(b.pool()));
    }
    if (f instanceof Finding.HeapGrew h) {
      return new Item(
          meter, "heap-grew", h.growth(), "bytes", summary, message, classes(h.classes()));
    }
    if (f instanceof Finding.NativeGrew n) {
      return new Item(meter, "native-grew", n.growth(), "bytes", summary, message, List.of());
    }
    if (f instanceof Finding.StillThere s) {
      List<String> where = new ArrayList<>(threads(s.remains().threads(), Map.of()));
      where.addAll(targets(s.remains().descriptors()));
      return new Item(
          meter,
          "still-there",
          s.remains().threads().size() + s.remains().descriptors().size(),
          "handles",
          summary,
          message,
          where);
    }
    Finding.TrendGrew t = (Finding.TrendGrew) f;
    return new Item(
        meter,
        "trend-grew",
        t.trend().slope(),
        "bytes/run",
        summary,
        message,
        classes(t.classes()));
  }

  /** The report's entry for a meter not measured. */
  public static NotMeasured notMeasured(Finding.Unavailable u) {
    return new NotMeasured(u.check().key(), Messages.summary(u));
  }

  /** The report's series of a repeated run's trends. */
  public static List<Series> series(List<Trend> trends) {
    return trends.stream().map(Series::of).toList();
  }

  private static List<String> targets(List<OpenDescriptor> descriptors) {
    return descriptors.stream().map(d -> d.descriptor().target()).toList();
  }

  private static List<String> threads(
      List<JavaThread> threads, Map<Long, ThreadOrigins.Origin> madeAt) {
    return threads.stream()
        .map(
            t ->
                Optional.ofNullable(madeAt.get(t.id()))
                    .map(o -> t.name() + " " + Messages.madeBy(o))
                    .orElse(t.name()))
        .toList();
  }

  private static List<String> classes(List<ClassHistogram.Growth> grown) {
    return grown.stream().map(Messages::classGrowth).toList();
  }
}
