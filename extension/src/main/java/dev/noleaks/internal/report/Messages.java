package dev.noleaks.internal.report;

import dev.noleaks.Check;
import dev.noleaks.JavaThread;
import dev.noleaks.internal.config.Sizes;
import dev.noleaks.internal.judge.Finding;
import dev.noleaks.internal.judge.Left;
import dev.noleaks.internal.judge.OpenDescriptor;
import dev.noleaks.internal.judge.Trend;
import dev.noleaks.internal.measure.ClassHistogram;
import dev.noleaks.internal.measure.HeapPaths;
import dev.noleaks.internal.measure.NativeSites;
import dev.noleaks.internal.measure.Readings;
import dev.noleaks.internal.measure.ThreadOrigins;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.Reading;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.SoftReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * Every text NoLeaks shows, made in one place from the findings and readings: the findings
 * themselves, failure messages, report entries, the notes on how a check ran and the fluent
 * assertions' messages.
 */
public final class Messages {

  /** Deltas a trend shows before eliding the older ones. */
  private static final int SHOWN = 30;

  /** Frames shown of where a leaked thread was made, from its constructor's caller down. */
  private static final int MADE_AT_FRAMES = 8;

  private static final String JVM_BUSY = "the JIT compiled or the JVM malloc'ed for itself during ";

  private static final String BOTH_RUNS = " Descriptors and threads are counted over both runs.";

  private Messages() {}

  /** The failure message: the findings, the meters not read, then how the check ran. */
  public static String failure(
      String where,
      List<? extends Finding.Leak> leaks,
      List<Finding.Unavailable> unavailable,
      List<String> notes) {
    StringBuilder b = new StringBuilder();
    b.append(where.isEmpty() ? "" : where + " ")
        .append("leaked (")
        .append(Sizes.plural(leaks.size(), "finding"))
        .append("):");
    for (Finding f : leaks) {
      b.append("\n  - ").append(finding(f));
    }
    for (Finding f : unavailable) {
      b.append("\n  (").append(summary(f)).append(')');
    }
    for (String note : notes) {
      b.append("\n  (").append(note).append(')');
    }
    return b.toString();
  }

  /**
   * The failure of a class whose tests left something on its way out that was still there when it
   * ended: one line per test, {@code test: finding}.
   */
  public static String stillThereAtClassEnd(
      String className, List<Map.Entry<String, Finding>> byTest) {
    StringBuilder b =
        new StringBuilder(className + ": what tests left on its way out was still there:");
    byTest.forEach(e -> b.append("\n  - ").append(overdue(e.getKey(), e.getValue())));
    return b.toString();
  }

  /** One test's leftovers still there at its class's end, for a line or a report entry. */
  public static String overdue(String test, Finding stillThere) {
    return overdue(test, summary(stillThere));
  }

  /** One test's leftovers still there at its class's end, given the finding's line. */
  static String overdue(String test, String summary) {
    return test + ": " + summary;
  }

  /** A message that fails nothing: {@code noleaks.mode=warn}, for a test or a class. */
  public static String warnedOnly(String message, boolean forClass) {
    return message
        + (forClass
            ? "\n(noleaks.mode=warn: nothing is failed)"
            : "\n(noleaks.mode=warn: the test is not failed)");
  }

  /** The log line for a meter that could not be read, written once per run. */
  public static String unavailableOncePerRun(Finding.Unavailable f) {
    return "NoLeaks: " + summary(f) + " (reported once per run)";
  }

  /** Why repeated mode refuses a {@code @TestFactory}. */
  public static String factoryRepeated(String test, int repeat) {
    return test
        + " is a @TestFactory: repeat = "
        + repeat
        + " would repeat building its dynamic tests, not running them. Set @NoLeaks(repeat"
        + " = 0) on the factory, or use MemoryAssertions.assertThatRunning(...).repeated(n)"
        + " inside a dynamic test.";
  }

  /** A finding in one line: {@code 2 file descriptors leaked: /tmp/x.log (file), …}. */
  public static String summary(Finding finding) {
    return text(finding).summary();
  }

  /** A finding in full: its line, then its details (thread stacks, figures, advice) indented. */
  public static String finding(Finding finding) {
    Text text = text(finding);
    StringBuilder b = new StringBuilder(text.summary());
    for (String line : text.details()) {
      b.append("\n    ").append(line);
    }
    return b.toString();
  }

  /** A finding's line and its further lines. */
  private record Text(String summary, List<String> details) {
    Text(String summary) {
      this(summary, List.of());
    }
  }

  /** What a check measures, as the messages name it. */
  private static String noun(Check check) {
    return check == Check.NATIVE ? "native memory" : check.key();
  }

  private static String reason(Finding.Reason r) {
    if (r instanceof Finding.Unreadable u) {
      return u.words();
    }
    if (r instanceof Finding.HeapIncludesGarbage h) {
      return h.snapshot()
          ? "a snapshot was not taken right after a full GC (Snapshot.now(), or System.gc()"
              + " disabled), so heap used includes garbage"
          : "System.gc() is disabled (-XX:+DisableExplicitGC), so heap used includes garbage";
    }
    if (r instanceof Finding.Disturbed d) {
      return neighboursRan(d.neighbours());
    }
    if (r instanceof Finding.RoseRarely rose) {
      return notJudgedRoseRarely(rose.trend(), rose.judged());
    }
    if (r instanceof Finding.WithoutNmt) {
      return NEEDS_NMT
          + ": without it, what the JVM mallocs for itself"
          + " (object monitors, the JIT's arenas) moves the figure by more per run than a leak's"
          + " bytes";
    }
    Finding.TooFewUndisturbed few = (Finding.TooFewUndisturbed) r;
    return notJudgedTooFewUndisturbed(few.trend(), few.runs(), few.undisturbed());
  }

  // Java 17 has no pattern matching in switch: one instanceof per kind.
  private static Text text(Finding f) {
    if (f instanceof Finding.Unavailable u) {
      return new Text(noun(u.check()) + " not measured: " + reason(u.reason()));
    }
    if (f instanceof Finding.DescriptorsLeaked d) {
      return new Text(
          Sizes.plural(d.descriptors().size(), "file descriptor")
              + " leaked: "
              + descriptors(d.descriptors()));
    }
    if (f instanceof Finding.ThreadsLeaked t) {
      return threadsLeaked(t.threads(), t.madeAt());
    }
    if (f instanceof Finding.BuffersGrew b) {
      return new Text(buffersGrew(b), b.heldBy().map(Messages::heldBy).orElse(List.of()));
    }
    if (f instanceof Finding.HeapGrew h) {
      return heapGrew(h);
    }
    if (f instanceof Finding.NativeGrew n) {
      return nativeGrew(n);
    }
    if (f instanceof Finding.ClosedByGc c) {
      return leftToTheGc(
          Sizes.plural(c.descriptors().size(), "file descriptor") + " never closed, released",
          descriptors(c.descriptors()),
          "close it (try-with-resources) instead of leaving it to a GC that may not run");
    }
    if (f instanceof Finding.StoppedByGc s) {
      return leftToTheGc(
          Sizes.plural(s.threads().size(), "thread") + " never stopped, ended",
          s.threads().stream().map(Messages::named).collect(Collectors.joining(", ")),
          s.threads().stream()
              .filter(t -> s.madeAt().containsKey(t.id()))
              .map(t -> quoted(t) + " " + madeBy(s.madeAt().get(t.id())))
              .toList(),
          "stop it (Timer.cancel(), ExecutorService.shutdown() and awaitTermination(), close())"
              + " instead of leaving it to a GC that may not run: until one does, it keeps"
              + " running, holds what its tasks reference and, unless a daemon, keeps the JVM"
              + " from exiting");
    }
    if (f instanceof Finding.StillThere s) {
      return new Text(
          left(s.remains())
              + " still there "
              + Sizes.seconds(s.linger())
              + " after the test ended (they looked on their way out, and were waited for:"
              + " noleaks.linger)");
    }
    if (f instanceof Finding.TrendGrew t) {
      List<String> details = new ArrayList<>();
      t.heldBy().ifPresent(held -> details.addAll(heldBy(held)));
      t.sites().ifPresent(e -> details.addAll(sites(e)));
      details.add(
          Sizes.plural(t.runs(), "measured run")
              + " after "
              + Sizes.plural(t.warmup(), "warm-up run")
              + judged(t.trend(), t.judged()));
      return new Text(trend(t.trend()) + classes(t.classes()), details);
    }
    throw new IllegalArgumentException("a finding of an unknown kind: " + f);
  }

  /**
   * A note on threads that other code's threads made while a check ran: {@code "2 threads were not
   * this test's: "pool-1-thread-2", … were made by threads that ConnectTest's class set-up made
   * (that code's growth: a pool or server starting threads as work arrives)"}.
   */
  public static String grownByOthers(List<JavaThread> threads, List<String> owners) {
    return Sizes.plural(threads.size(), "thread")
        + " not this test's: "
        + threads.stream().map(Messages::quoted).collect(Collectors.joining(", "))
        + (threads.size() == 1 ? " was" : " were")
        + " made by threads that "
        + String.join(", ", owners)
        + " made (that code's growth: a pool or server starting threads as work arrives)";
  }

  /**
   * Descriptors as messages show them: {@code /tmp/x.log (file), socket:[81234] (tcp …)}; with the
   * agent, where each was opened, by the first frame that is not the JDK's (as a thread's made-at
   * line): {@code /tmp/x.log (file) opened by thread "main" at
   * com.example.Store.open(Store.java:42)}.
   */
  private static String descriptors(List<OpenDescriptor> descriptors) {
    return descriptors.stream()
        .map(
            d -> {
              Descriptor descriptor = d.descriptor();
              return descriptor.target()
                  + " ("
                  + d.socket().orElse(descriptor.kind().label())
                  + ")"
                  + d.openedAt()
                      .map(
                          site ->
                              " opened by thread \""
                                  + site.thread()
                                  + "\""
                                  + ownFrame(site.stack()).map(f -> " at " + frame(f)).orElse(""))
                      .orElse("");
            })
        .collect(Collectors.joining(", "));
  }

  /** A thread by name: {@code "metrics-poller"}. */
  private static String quoted(JavaThread t) {
    return "\"" + t.name() + "\"";
  }

  /**
   * A thread's class, when it is not a plain {@code Thread}: {@code " (java.util.TimerThread)"}.
   */
  private static String type(JavaThread t) {
    return t.type().equals(Thread.class.getName()) ? "" : " (" + t.type() + ")";
  }

  /** A thread by name, with its class when it is not a plain {@code Thread}. */
  private static String named(JavaThread t) {
    return quoted(t) + type(t);
  }

  private static Text threadsLeaked(
      List<JavaThread> leaked, Map<Long, ThreadOrigins.Origin> madeAt) {
    List<String> details = new ArrayList<>();
    for (JavaThread t : leaked) {
      details.add(
          quoted(t)
              + " "
              + (t.daemon() ? "daemon " : "")
              + t.state()
              + type(t)
              + ownFrame(t.stack()).map(f -> " in " + frame(f)).orElse(""));
      ThreadOrigins.Origin origin = madeAt.get(t.id());
      if (origin != null) {
        // Right under the thread, where a truncated report still shows it.
        details.add("  " + madeBy(origin));
      }
      for (StackTraceElement frame : t.stack()) {
        details.add("    at " + frame(frame));
      }
      if (origin != null && origin.certain()) {
        details.add("  made at:");
        origin.stack().stream()
            .limit(MADE_AT_FRAMES)
            .forEach(frame -> details.add("    at " + frame(frame)));
      }
    }
    String names = leaked.stream().map(Messages::quoted).collect(Collectors.joining(", "));
    return new Text(Sizes.plural(leaked.size(), "thread") + " leaked: " + names, details);
  }

  private static String buffersGrew(Finding.BuffersGrew b) {
    String growth = Sizes.signed(b.after().bytes() - b.before().bytes());
    return (b.more() > 0
            ? Sizes.plural(b.more(), b.pool() + " buffer") + " leaked (" + growth + ")"
            : b.pool() + " buffers grew by " + growth + " with no more of them")
        + ": "
        + Sizes.plural(b.before().count(), "buffer")
        + " of "
        + Sizes.format(b.before().bytes())
        + " before, "
        + b.after().count()
        + " of "
        + Sizes.format(b.after().bytes())
        + " after";
  }

  private static Text heapGrew(Finding.HeapGrew h) {
    List<String> details = new ArrayList<>();
    h.heldBy().ifPresent(held -> details.addAll(heldBy(held)));
    details.add(
        "heap used after a full GC: "
            + Sizes.count(h.before())
            + " B before, "
            + Sizes.count(h.after())
            + " B after (tolerance "
            + Sizes.format(h.tolerance())
            + ")");
    return new Text("heap grew " + Sizes.format(h.growth()) + classes(h.classes()), details);
  }

  /**
   * A note on buffers that grew only through a well-known pool's own structures: {@code "4 direct
   * buffers (+2.1 MB) held by a pool, kept for reuse, not leaked: held by GC root (Thread object) →
   * … → AdaptivePoolingAllocator$Magazine.current → … (2 more than after the first run)"}.
   */
  public static String heldByAPool(Finding.BuffersGrew b, HeapPaths.Outcome held) {
    return Sizes.plural(b.more(), b.pool() + " buffer")
        + " ("
        + Sizes.signed(b.after().bytes() - b.before().bytes())
        + ") held by a pool, kept for reuse, not leaked: "
        + String.join("; ", heldBy(held));
  }

  /**
   * What holds a heap or buffer leak, first under its line: {@code held by static
   * CacheExample.UNBOUNDED → HashMap[key] → CacheExample$Document (2,000 of them, 1,000 more than
   * after the first run)}.
   */
  private static List<String> heldBy(HeapPaths.Outcome held) {
    List<String> lines = new ArrayList<>();
    boolean alike = held.alike();
    if (alike && held.beforeTheSecondRun()) {
      lines.add(
          "held by one of these, alike in size (they were there after the first run already, in its"
              + " set-up or its body, so the dumps cannot tell which holds the new instances):");
    } else if (alike) {
      lines.add(
          "held by one of these, alike in size (a single heap dump cannot tell which holds the new"
              + " instances; a second run can: noleaks.rerun):");
    }
    for (HeapPaths.Path p : held.paths()) {
      lines.add(
          (alike ? "  " : "held by ")
              + HeapPaths.joined(p)
              + " ("
              + (p.instances() == 1 ? "1 instance" : Sizes.count(p.instances()) + " of them")
              + p.grewBy().stream()
                  .mapToObj(more -> ", " + Sizes.count(more) + " more than after the first run")
                  .findFirst()
                  .orElse("")
              + (p.holdsTheRest() ? ", the class's other new instances reached through them" : "")
              + ")");
    }
    held.unavailable().ifPresent(why -> lines.add("what holds it not found: " + why));
    if (held.paths().isEmpty() && held.unavailable().isEmpty()) {
      lines.add(
          "what holds it not found: no single path from a GC root holds most of any grown class's"
              + " new instances (noleaks.heap.dump=keep keeps the dump for a heap analyser)");
    }
    held.keptDump()
        .ifPresent(
            dump ->
                lines.add(
                    "heap dump kept: "
                        + dump
                        + " ("
                        + Sizes.seconds(held.took())
                        + " to dump and read)"));
    return lines;
  }

  /**
   * The classes that grew, after a heap finding's line: {@code ": +1,000 com.example.Session (…)"}.
   */
  private static String classes(List<ClassHistogram.Growth> grown) {
    return grown.isEmpty()
        ? ""
        : ": " + grown.stream().map(Messages::classGrowth).collect(Collectors.joining(", "));
  }

  /**
   * How one class grew: {@code +1,000 com.example.Session (+24,000 B)}, or when larger objects
   * replaced smaller ones, {@code byte[] (+4,096 B, as many instances)}.
   */
  public static String classGrowth(ClassHistogram.Growth g) {
    if (g.instances() > 0) {
      return "+"
          + Sizes.count(g.instances())
          + " "
          + g.className()
          + " ("
          + Sizes.signed(g.bytes())
          + ")";
    }
    // Larger objects replaced smaller ones: say so rather than print "+0" or "-4" instances.
    String count =
        g.instances() == 0 ? "as many instances" : Sizes.count(-g.instances()) + " fewer instances";
    return g.className() + " (" + Sizes.signed(g.bytes()) + ", " + count + ")";
  }

  /**
   * The native finding and the readings behind it: glibc's in-use figure, the JVM's own malloc and
   * the native threads, before → after. A JVM busy for itself (JIT compiler threads, whose glibc
   * caches NMT does not see) shows in the last two.
   */
  private static Text nativeGrew(Finding.NativeGrew n) {
    Finding.NativeGrew.Figures before = n.before();
    Finding.NativeGrew.Figures after = n.after();
    if (n.byHooks()) {
      return new Text(
          "native memory grew "
              + Sizes.format(n.growth())
              + " (tolerance "
              + Sizes.format(n.tolerance())
              + "), as the allocation hooks counted it: blocks its second run allocated and left"
              + " unfreed through a third run and the tear-down",
          nativeDetails(n));
    }
    String summary =
        "native memory grew "
            + Sizes.format(n.growth())
            + (n.directBuffers() > 0
                ? " besides " + Sizes.format(n.directBuffers()) + " of direct buffers"
                : "")
            + " (tolerance "
            + Sizes.format(n.tolerance())
            + "): "
            + mallocInUse(after.jvmOwn().isAvailable())
            + " "
            + Sizes.count(before.inUse())
            + " B before, "
            + Sizes.count(after.inUse())
            + " B after";
    return new Text(summary, nativeDetails(n));
  }

  /**
   * The readings behind a native finding (glibc, the JVM's own, native threads), then its sites.
   */
  private static List<String> nativeDetails(Finding.NativeGrew n) {
    Finding.NativeGrew.Figures before = n.before();
    Finding.NativeGrew.Figures after = n.after();
    StringBuilder b = new StringBuilder("glibc in use ");
    b.append(fromTo(before.glibcInUse(), after.glibcInUse()));
    if (after.jvmOwn().isAvailable() && before.jvmOwn().isAvailable()) {
      b.append(", the JVM's own (NMT) ").append(fromTo(before.jvmOwn(), after.jvmOwn()));
    }
    b.append(", native threads ")
        .append(before.nativeThreads().toOptional().map(String::valueOf).orElse("?"))
        .append(" → ")
        .append(after.nativeThreads().toOptional().map(String::valueOf).orElse("?"));
    List<String> details = new ArrayList<>();
    details.add(b.toString());
    n.sites().ifPresent(e -> details.addAll(sites(e)));
    return details;
  }

  /**
   * Where the unfreed bytes of recorded runs were allocated: {@code allocated at (3.8 MB of the 3.8
   * MB its second run grew, left unfreed in 1 block):} and a line per site, or why it is not known.
   * When the sites explain less than half of the growth, the rest was malloc'ed where the hooks do
   * not reach, and sites that would mislead are not shown.
   */
  static List<String> sites(NativeSites.Explained explained) {
    if (explained.seen() instanceof NativeSites.NotRecorded no) {
      return List.of("where it was allocated: unavailable: " + no.reason());
    }
    NativeSites.Recorded r = (NativeSites.Recorded) explained.seen();
    String runs = r.runs() == 1 ? "its second run" : Sizes.plural(r.runs(), "more run");
    String grew =
        explained.grown() > 0
            ? " of the "
                + Sizes.format(explained.grown())
                + (r.runs() == 1
                    ? " its second run grew"
                    : " that the trend's slope adds over " + Sizes.plural(r.runs(), "run"))
            : "";
    if (r.top().isEmpty() || (explained.grown() > 0 && 2 * r.bytes() < explained.grown())) {
      return List.of(
          "where it was allocated is not known: not seen by the allocation hooks (they saw "
              + Sizes.format(r.bytes())
              + grew
              + " left unfreed by the code; the rest was malloc'ed where they do not reach, as"
              + " through a JNA interface bound to libc's malloc); glibc's figures judge the leak");
    }
    List<String> lines = new ArrayList<>();
    lines.add(
        "allocated at ("
            + Sizes.format(r.bytes())
            + grew
            + ", left unfreed by "
            + runs
            + " in "
            + Sizes.plural(r.blocks(), "block")
            + "):");
    for (NativeSites.Site site : r.top()) {
      lines.add(
          "  "
              + frame(site.frame())
              + ": "
              + Sizes.plural(site.blocks(), "block")
              + ", "
              + Sizes.format(site.bytes()));
    }
    return lines;
  }

  /** What native readings are: {@code malloc in use}, less the JVM's own when NMT was read. */
  private static String mallocInUse(boolean lessJvmOwn) {
    return lessJvmOwn ? "malloc in use less the JVM's own" : "malloc in use";
  }

  private static String fromTo(Reading<Long> before, Reading<Long> after) {
    return before.toOptional().map(Sizes::count).orElse("?")
        + " → "
        + after.toOptional().map(Sizes::count).orElse("?")
        + " B";
  }

  /** What the code left for the garbage collector to release: {@code "<what> only when …: …"}. */
  private static Text leftToTheGc(String what, String which, String advice) {
    return leftToTheGc(what, which, List.of(), advice);
  }

  private static Text leftToTheGc(String what, String which, List<String> where, String advice) {
    List<String> details = new ArrayList<>(where);
    details.add(advice);
    return new Text(what + " only when the garbage collector ran: " + which, details);
  }

  /** {@code made by thread "main" at com.example.Poller.start(Poller.java:25)}. */
  /** Where a thread was made: {@code made by thread "main" at com.example.Poller.start(…)}. */
  static String madeBy(ThreadOrigins.Origin origin) {
    return "made by thread \""
        + origin.madeBy()
        + "\" at "
        + (origin.certain() ? "" : "one of: ")
        + origin.sites().stream().map(Messages::frame).collect(Collectors.joining(", "));
  }

  /** {@code 2 threads ("HttpClient-1-SelectorManager", …) and 3 file descriptors (…)}. */
  private static String left(Left.Described left) {
    List<String> parts = new ArrayList<>();
    if (!left.threads().isEmpty()) {
      parts.add(
          Sizes.plural(left.threads().size(), "thread")
              + " ("
              + left.threads().stream().map(Messages::quoted).collect(Collectors.joining(", "))
              + ")");
    }
    if (!left.descriptors().isEmpty()) {
      parts.add(
          Sizes.plural(left.descriptors().size(), "file descriptor")
              + " ("
              + descriptors(left.descriptors())
              + ")");
    }
    return String.join(" and ", parts);
  }

  /** A note on what a passed test left on its way out, checked again later; empty for nothing. */
  public static Optional<String> onTheirWayOut(Left.Described left, Duration linger) {
    if (left.threads().isEmpty() && left.descriptors().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "on their way out, checked again within "
            + Sizes.seconds(linger)
            + " (noleaks.linger): "
            + left(left));
  }

  /**
   * A trend: {@code native memory grew in 10 of the last 10 runs: [+80, +80, …] B, slope 80 B/run
   * (threshold 48 B, +1,600 B over 20 runs)}.
   */
  public static String trend(Trend trend) {
    long[] r = trend.readings();
    return (trend.check() == Check.HEAP ? "heap" : "native memory")
        + " grew in "
        + trend.positive()
        + " of the last "
        + trend.window()
        + " runs: "
        + series(trend.deltas())
        + ", slope "
        + Sizes.format(Math.round(trend.slope()))
        + "/run (threshold "
        + Sizes.format(trend.threshold())
        + ", "
        + Sizes.signed(r[r.length - 1] - r[0])
        + " over "
        + Sizes.plural(trend.runs(), "run")
        + ")";
  }

  /** Deltas as {@code [+80, +80, -4,096, …] B}, the most recent {@value #SHOWN} of them. */
  private static String series(long[] deltas) {
    int from = Math.max(0, deltas.length - SHOWN);
    String shown =
        LongStream.of(deltas)
            .skip(from)
            .mapToObj(x -> String.format(Locale.ROOT, "%+,d", x))
            .collect(Collectors.joining(", "));
    return "[" + (from > 0 ? "…, " : "") + shown + "] B";
  }

  /** Which runs a leaking trend was judged over, and its readings when it was all of them. */
  private static String judged(Trend trend, Finding.Judged judged) {
    if (judged instanceof Finding.UndisturbedRuns u) {
      return "; " + onlyUndisturbed(u, trend) + " are judged";
    }
    if (judged instanceof Finding.RunsNoThreadEnded e) {
      return "; a thread ended during "
          + Sizes.plural(e.ended(), "run")
          + ", so only the "
          + Sizes.plural(trend.runs(), "run")
          + " in which none did are judged";
    }
    Finding.EveryRun every = (Finding.EveryRun) judged;
    long[] r = trend.readings();
    String readings = " from " + Sizes.count(r[0]) + " B to " + Sizes.count(r[r.length - 1]) + " B";
    if (trend.check() == Check.HEAP) {
      return "; heap used after a full GC" + readings;
    }
    return "; " + mallocInUse(every.lessJvmOwn()) + readings;
  }

  /**
   * {@code the JIT compiled … during 4 of the last 10 runs, so only the last 12 runs without
   * either}.
   */
  private static String onlyUndisturbed(Finding.UndisturbedRuns u, Trend judged) {
    return JVM_BUSY
        + u.disturbed()
        + " of the last "
        + u.window()
        + " runs, so only the last "
        + Sizes.plural(judged.runs(), "run")
        + " without either";
  }

  /**
   * Why a native trend whose slope is above the threshold was not judged: too few of {@code
   * judged}'s runs grew.
   */
  private static String notJudgedRoseRarely(Trend trend, Finding.Judged judged) {
    return notJudged(
        "its slope is above the threshold, but "
            + (judged instanceof Finding.UndisturbedRuns u
                ? onlyUndisturbed(u, trend) + " grew in only"
                : "its runs grew in only")
            + " "
            + trend.positive()
            + " of the last "
            + trend.window()
            + " ("
            + trend.positiveNeeded()
            + " needed): "
            + trend(trend));
  }

  /**
   * Why a native trend was not judged: of {@code runs}, only {@code undisturbed} ran without the
   * JVM busy for itself, too few for the rule.
   */
  private static String notJudgedTooFewUndisturbed(Trend trend, int runs, int undisturbed) {
    return notJudged(
        JVM_BUSY
            + (runs - undisturbed)
            + " of "
            + Sizes.plural(runs, "measured run")
            + ", and the "
            + undisturbed
            + " without either are fewer than the "
            + Trend.WINDOW
            + " the rule needs; over every run "
            + trend(trend));
  }

  private static String notJudged(String why) {
    return "the trend could not be judged: "
        + why
        + ". A longer warmup (@NoLeaks(warmup = …)) or a less busy machine lets it judge";
  }

  /** What memory grew in a first run that was followed by a second. */
  private static String firstRun(List<? extends Finding.Leak> grew) {
    return "in its first run "
        + grew.stream().map(Messages::summary).collect(Collectors.joining("; "));
  }

  /**
   * The note of a check whose heap was judged on its second run alone: its baseline was estimated
   * from an earlier GC rather than read after one of its own.
   */
  public static final String HEAP_ON_SECOND_RUN =
      "Its heap was judged on its second run alone, between two full GCs: the first run's baseline"
          + " was estimated from an earlier GC, to save one.";

  /**
   * The note of a check whose heap baseline was estimated and whose second run, which would have
   * measured the heap, threw.
   *
   * @param alone whether the second run was for the heap alone (nothing else grew in the first), so
   *     that nothing was judged
   */
  public static String heapNotJudged(Throwable thrown, boolean alone) {
    return "Its heap was not judged: the first run's baseline was estimated from an earlier GC, and"
        + " the second run that would have measured it threw "
        + thrown
        + (alone ? ", so what that run left is not judged either" : "")
        + " (for a test that cannot run twice, set noleaks.rerun=never or @NoLeaks(rerun = NEVER):"
        + " its baseline is then read after a GC of its own).";
  }

  /** Why a native check or record needs Native Memory Tracking, and the flag that turns it on. */
  public static final String NEEDS_NMT =
      "needs Native Memory Tracking (start the test JVM with -XX:NativeMemoryTracking=summary)";

  /** Added to a note that native memory was retained once, when it was judged without NMT. */
  public static final String NATIVE_ONCE_WITHOUT_NMT =
      "Native memory was judged without Native Memory Tracking: what the JVM hands back of its own"
          + " malloc (MBs at times) can hide a second run's leak, so this may be one; start the"
          + " test JVM with -XX:NativeMemoryTracking=summary to tell.";

  /**
   * Added to the note of a check whose native memory the allocation hooks judged (no NMT): what a
   * second run left through a third, and, when that passed, what the hooks cannot see.
   */
  public static String judgedByHooks(long outlasted, boolean leaked) {
    String how =
        "Without Native Memory Tracking native memory was judged by the allocation hooks: the code"
            + " ran a third time, and of the blocks its second run allocated "
            + Sizes.format(outlasted)
            + " were still unfreed after it and the tear-down";
    return leaked
        ? how
            + ": the native finding counts those, the second run's alone (glibc's figures beside it"
            + " hold the JVM's own malloc)."
        : how
            + ", under the tolerance. Memory malloc'ed where the hooks do not reach (a JNA interface"
            + " bound to libc's malloc) is not seen so; start the test JVM with"
            + " -XX:NativeMemoryTracking=summary to judge it too.";
  }

  /**
   * Why native memory was not measured when the allocation hooks were to judge it (no NMT): {@code
   * why} the hooks could not.
   */
  public static String hooksNotJudged(String why) {
    return "without Native Memory Tracking it is judged by the allocation hooks over a second and a"
        + " third run, and "
        + why
        + "; start the test JVM with -XX:NativeMemoryTracking=summary to judge it by glibc's"
        + " figures";
  }

  /**
   * Why native memory that grew by {@code growth} in glibc's figures alone, without NMT, was not
   * measured.
   */
  public static String glibcAlone(long growth) {
    return "glibc's in-use figure grew "
        + Sizes.format(growth)
        + ", but without Native Memory Tracking it holds the JVM's own malloc (its GC's and JIT's,"
        + " MBs at times), and the allocation hooks judge only growth of a first run that a second"
        + " and a third run can confirm; start the test JVM with -XX:NativeMemoryTracking=summary"
        + " to judge it";
  }

  /** The note of a check whose code ran a second time, and memory grew again or not. */
  public static String secondRun(List<? extends Finding.Leak> firstRunGrew, boolean grewAgain) {
    return grewAgain
        ? firstRun(firstRunGrew)
            + ", and it ran a second time to tell a first use from a leak: memory grew above the"
            + " tolerance again in that run (the findings above are over both runs)."
            + BOTH_RUNS
        : "retained once: "
            + firstRun(firstRunGrew)
            + "; a second run kept less than the tolerance more, so this is a first use"
            + " (classes loaded, caches filled once), not a leak."
            + BOTH_RUNS;
  }

  /**
   * The note of a check whose first run left threads or descriptors that a second run did not add
   * to.
   */
  public static String handlesRetainedOnce(Left.Described left) {
    return "retained once: it left "
        + left(left)
        + ", all started by its first run or grown from what that run started; a second run left"
        + " nothing of its own, so this is a first use (a server or pool started once for the"
        + " JVM), not a leak per call";
  }

  /**
   * The note of a check whose second run left threads or descriptors again: the findings show the
   * first run's, this says how many more the second run left.
   */
  public static String handlesLeftAgain(int threads, int descriptors) {
    List<String> more = new ArrayList<>();
    if (threads > 0) {
      more.add(Sizes.plural(threads, "thread"));
    }
    if (descriptors > 0) {
      more.add(Sizes.plural(descriptors, "file descriptor"));
    }
    return "it ran a second time to tell a first use from a leak, and the second run left "
        + (more.isEmpty() ? "more" : String.join(" and ", more) + " more")
        + ": a leak per call (the findings above are the first run's)";
  }

  /** The note of a check whose second run threw. */
  public static String secondRunThrew(List<? extends Finding.Leak> firstRunGrew, Throwable thrown) {
    return firstRun(firstRunGrew)
        + ". It ran a second time to tell a first use from a leak, and that run threw "
        + thrown
        + ", so memory is judged over both runs (for a test that cannot run twice, set"
        + " noleaks.rerun=never or @NoLeaks(rerun = NEVER))";
  }

  /**
   * A stack frame without the module and loader prefixes: {@code
   * java.lang.Thread.run(Thread.java:840)}.
   */
  public static String frame(StackTraceElement e) {
    String location =
        e.isNativeMethod()
            ? "Native Method"
            : e.getFileName() == null
                ? "Unknown Source"
                : e.getLineNumber() >= 0
                    ? e.getFileName() + ":" + e.getLineNumber()
                    : e.getFileName();
    return e.getClassName() + "." + e.getMethodName() + "(" + location + ")";
  }

  /**
   * The top frame that is not the JDK's: where the thread's own code waits or runs (the frames
   * above it are parking and queue internals, 5 to 7 of them for a thread blocked on a queue), or
   * the code that opened a descriptor (the frames above it are the JDK's opening, 3 to 12).
   */
  private static Optional<StackTraceElement> ownFrame(List<StackTraceElement> stack) {
    return stack.stream().filter(e -> !ThreadOrigins.isJdk(e.getClassName())).findFirst();
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
        + s.malloc().toOptional().map(m -> Json.threeDecimals(m.freeRatio())).orElse("unavailable")
        + " direct="
        + s.directBuffers().count()
        + "/"
        + s.directBuffers().bytes()
        + " mapped="
        + s.mappedBuffers().count()
        + "/"
        + s.mappedBuffers().bytes()
        + (s.pooledDirect() < 0 ? "" : " pooledDirect=" + s.pooledDirect())
        + (s.pooledHeap() < 0 ? "" : " pooledHeap=" + s.pooledHeap())
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

  /** {@link #readings(Readings)} read without a GC, with what the heap can have grown at most. */
  public static String readings(Readings s, long heapBound) {
    return readings(s) + " heapBound=" + heapBound + "(grown at most since the baseline, no GC)";
  }

  /** The fluent assertion's failure when the code leaked. */
  public static String codeLeaked(
      List<? extends Finding.Leak> leaks,
      List<Finding.Unavailable> unavailable,
      List<String> notes) {
    return failure("code", leaks, unavailable, notes);
  }

  /** The fluent assertion's failure when a meter it needed could not be read. */
  public static String codeNotMeasured(List<Finding.Unavailable> unavailable) {
    StringBuilder b = new StringBuilder("cannot check the code:");
    for (Finding f : unavailable) {
      b.append("\n  - ").append(summary(f));
    }
    return b.toString();
  }

  /** The fluent assertion's failure when other tests ran beside the code. */
  public static String codeDisturbed(int neighbours) {
    return "cannot check the code: " + neighboursRan(neighbours);
  }

  /**
   * Why the readings of a check other tests ran beside are not the code's, and what isolates it.
   */
  private static String neighboursRan(int neighbours) {
    return Sizes.plural(neighbours, "other thread")
        + " of JUnit's parallel execution ran tests at the same time, whose descriptors, threads"
        + " and memory are the whole process's as well; run it isolated: @NoLeaks on the test or"
        + " class, or JUnit's @Isolated or @ResourceLock(Resources.GLOBAL)";
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

  /** The referent of a reference: {@code com.example.Session@1b6d3586}. */
  public static String referent(Reference<?> reference) {
    Object referent = reference.get();
    if (referent == null) {
      return reference instanceof PhantomReference ? "a phantom-reachable object" : "(cleared)";
    }
    return referent.getClass().getName()
        + "@"
        + Integer.toHexString(System.identityHashCode(referent));
  }

  /**
   * A reference not cleared: how long and how many collections it was waited for, and what to look
   * for.
   *
   * @param referent {@link #referent}, taken before the wait
   * @param explicitGcWorks whether {@code System.gc()} ran collections
   */
  public static String notCollected(
      Reference<?> reference,
      String referent,
      Duration waited,
      int collections,
      boolean explicitGcWorks,
      Optional<HeapPaths.Outcome> heldBy) {
    return "Expecting the "
        + reference.getClass().getSimpleName()
        + " to "
        + referent
        + " to be cleared by garbage collection, but it was still reachable after "
        + Sizes.seconds(waited)
        + " and "
        + Sizes.plural(collections, "System.gc() call")
        + ".\n"
        + (reference instanceof SoftReference
            ? "A SoftReference is cleared only when the heap runs short; use a WeakReference to"
                + " ask whether the object is still reachable."
            : !explicitGcWorks
                ? "System.gc() is disabled (-XX:+DisableExplicitGC), so collections happened only"
                    + " on their own."
                : "Something still refers to it: a static field, a cache or registry, a listener,"
                    + " a ThreadLocal, a running thread, or a local variable of the test itself.")
        + heldBy.map(held -> "\n" + String.join("\n", heldBy(held))).orElse("");
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
